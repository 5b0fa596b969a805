import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { codeOf, TestServer } from '../support/server.js';
import { relationalTargets } from '../support/targets.js';
import { signup } from '../support/users.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256-tokens';

/** A token Parley's own secret signs, naming whatever subject the test likes. */
const forge = (subject: string) =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(subject).setIssuer('parley').setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));

/** The close code a graphql-ws socket gets after connection_init with `token`. */
function closeCodeFor(wsUrl: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.on('message', (data) => {
      // Acknowledged: ask for something that needs a viewer, to see what the identity does.
      if (JSON.parse(String(data)).type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { chatUpdated { id } }' } }));
        setTimeout(() => socket.close(1000), 1000);
      }
    });
    socket.on('close', (code) => resolve(code));
    socket.on('error', reject);
  });
}

describe.each(relationalTargets)('tokens on $name', (target) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await TestServer.start(target, { JWT_SECRET: SECRET });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a token signed with the real secret for a subject that is no user id is UNAUTHENTICATED, not an internal error', async () => {
    for (const subject of ['not-a-uuid', "1' OR '1'='1", '']) {
      const token = await forge(subject);
      expect(codeOf(await server.gql('{ me { id } }', {}, token)), subject).toBe('UNAUTHENTICATED');
      expect(codeOf(await server.gql('{ chats { edges { cursor } } }', {}, token)), subject).toBe('UNAUTHENTICATED');
      expect(await closeCodeFor(server.wsUrl, token), subject).toBe(4401);
    }
  });

  it('a token for a well-formed id that is no user: UNAUTHENTICATED where the account is read', async () => {
    const token = await forge('00000000-0000-4000-8000-000000000000');
    expect(codeOf(await server.gql('{ me { id } }', {}, token))).toBe('UNAUTHENTICATED');
    expect((await server.ok('{ chats { edges { cursor } } }', {}, token)).chats.edges).toEqual([]);
  });

  it('a real token still works', async () => {
    const ada = await signup(server);
    expect((await server.ok('{ me { id } }', {}, ada.token)).me.id).toBe(ada.id);
  });
});
