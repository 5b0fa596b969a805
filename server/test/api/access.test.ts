import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { codeOf, subscribeMessages, TestServer } from '../support/server.js';
import { relationalTargets } from '../support/targets.js';
import { directChat, send, signup, type TestUser } from '../support/users.js';

const MISSING = '00000000-0000-4000-8000-000000000000';

/** Opens a raw graphql-ws socket and returns the close code the server answers with. */
function closeCodeFor(url: string, payload: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
    socket.on('close', (code) => resolve(code));
    socket.on('error', reject);
  });
}

describe.each(relationalTargets)('access control on $name', (target) => {
  let server: TestServer;
  let ada: TestUser;
  let bob: TestUser;
  let eve: TestUser;
  let chatId: string;

  beforeAll(async () => {
    server = await TestServer.start(target);
    [ada, bob, eve] = [await signup(server), await signup(server), await signup(server)];
    chatId = await directChat(server, ada, bob);
    await send(server, ada, chatId, 'private');
  });
  afterAll(async () => {
    await server?.stop();
  });

  const operations: [string, string, (id: string) => Record<string, unknown>][] = [
    ['chat', `query ($id: ID!) { chat(id: $id) { id } }`, (id) => ({ id })],
    ['messages', `query ($id: ID!) { messages(chatId: $id) { edges { cursor } } }`, (id) => ({ id })],
    ['sendMessage', `mutation ($id: ID!) { sendMessage(chatId: $id, body: "hi") { messageId } }`, (id) => ({ id })],
    ['markRead', `mutation ($id: ID!) { markRead(chatId: $id, seq: 1) { id } }`, (id) => ({ id })],
  ];

  it.each(operations)('%s: FORBIDDEN for a non-member, NOT_FOUND for a missing chat, UNAUTHENTICATED without a token', async (_name, query, vars) => {
    expect(codeOf(await server.gql(query, vars(chatId), eve.token))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(query, vars(MISSING), eve.token))).toBe('NOT_FOUND');
    expect(codeOf(await server.gql(query, vars(chatId)))).toBe('UNAUTHENTICATED');
    expect(codeOf(await server.gql(query, vars(chatId), 'not-a-token'))).toBe('UNAUTHENTICATED');
    expect(codeOf(await server.gql(query, vars('not-an-id'), eve.token))).toBe('BAD_USER_INPUT');
  });

  it('a non-member sent nothing: the chat still holds only its own message', async () => {
    const data = await server.ok(`query ($id: ID!) { chat(id: $id) { lastSeq } }`, { id: chatId }, ada.token);
    expect(data.chat.lastSeq).toBe(1);
  });

  it('messageAdded: FORBIDDEN for a non-member, NOT_FOUND for a missing chat', async () => {
    const ws = server.wsClient(eve.token);
    try {
      const forbidden = subscribeMessages(ws, chatId, 0);
      expect(JSON.stringify(await forbidden.waitForError())).toContain('FORBIDDEN');
      const missing = subscribeMessages(ws, MISSING);
      expect(JSON.stringify(await missing.waitForError())).toContain('NOT_FOUND');
      expect(forbidden.events).toEqual([]);
    } finally {
      await ws.dispose();
    }
  });

  it('closes a graphql-ws connection with 4401 when the token is missing or bad', async () => {
    const url = server.wsUrl;
    expect(await closeCodeFor(url, {})).toBe(4401);
    expect(await closeCodeFor(url, { authorization: 'Bearer nonsense' })).toBe(4401);
    expect(await closeCodeFor(url, { authorization: eve.token })).toBe(4401);
  });

  it('createDirectChat and createGroupChat refuse unknown users and malformed ids', async () => {
    const direct = `mutation ($id: ID!) { createDirectChat(userId: $id) { id } }`;
    expect(codeOf(await server.gql(direct, { id: MISSING }, ada.token))).toBe('NOT_FOUND');
    expect(codeOf(await server.gql(direct, { id: 'x' }, ada.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await server.gql(direct, { id: ada.id }, ada.token))).toBe('BAD_USER_INPUT');
    const group = `mutation ($m: [ID!]!) { createGroupChat(title: "g", memberIds: $m) { id } }`;
    expect(codeOf(await server.gql(group, { m: [bob.id, MISSING] }, ada.token))).toBe('NOT_FOUND');
    expect(codeOf(await server.gql(group, { m: ['nope'] }, ada.token))).toBe('BAD_USER_INPUT');
  });

  it('login does not reveal whether a user exists', async () => {
    const login = `mutation ($u: String!) { login(username: $u, password: "wrong password") { token } }`;
    const unknown = await server.gql(login, { u: 'nobody_here' });
    const known = await server.gql(login, { u: ada.username });
    expect(codeOf(unknown)).toBe('UNAUTHENTICATED');
    expect(unknown.errors![0].message).toBe(known.errors![0].message);
  });
});

describe('leaving a group (embedded engines)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start(relationalTargets[0]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('removes the member everywhere at once and ends their live subscription; direct chats cannot be left', async () => {
    const [ada, bob] = [await signup(server), await signup(server)];
    const group = await server.ok(`mutation ($m: [ID!]!) { createGroupChat(title: "g", memberIds: $m) { id } }`, { m: [bob.id] }, ada.token);
    const chatId = group.createGroupChat.id;
    const ws = server.wsClient(bob.token);
    const sub = subscribeMessages(ws, chatId, 0);
    try {
      await send(server, ada, chatId, 'welcome');
      await sub.waitFor(1);
      expect((await server.ok(`mutation ($c: ID!) { leaveChat(chatId: $c) }`, { c: chatId }, bob.token)).leaveChat).toBe(true);
      expect(JSON.stringify(await sub.waitForError())).toContain('FORBIDDEN');
      expect(codeOf(await server.gql(`mutation ($c: ID!) { sendMessage(chatId: $c, body: "hi") { messageId } }`, { c: chatId }, bob.token))).toBe('FORBIDDEN');
      expect(codeOf(await server.gql(`mutation ($c: ID!) { leaveChat(chatId: $c) }`, { c: chatId }, bob.token))).toBe('FORBIDDEN');
      const bobsChats = await server.ok(`{ chats { edges { node { id } } } }`, {}, bob.token);
      expect(bobsChats.chats.edges.map((e: any) => e.node.id)).not.toContain(chatId);
      const members = await server.ok(`query ($c: ID!) { chat(id: $c) { members { id } } }`, { c: chatId }, ada.token);
      expect(members.chat.members.map((m: any) => m.id)).toEqual([ada.id]);

      const direct = await directChat(server, ada, bob);
      expect(codeOf(await server.gql(`mutation ($c: ID!) { leaveChat(chatId: $c) }`, { c: direct }, bob.token))).toBe('BAD_USER_INPUT');
    } finally {
      sub.close();
      await ws.dispose();
    }
  });

  it('limits sends per user with RATE_LIMITED on a burst over the limit', async () => {
    const limited = await TestServer.start(relationalTargets[0], { SEND_RATE_LIMIT: '5/60s' });
    try {
      const [ada, bob] = [await signup(limited), await signup(limited)];
      const chatId = await directChat(limited, ada, bob);
      const burst = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          limited.gql(`mutation ($c: ID!, $b: String!) { sendMessage(chatId: $c, body: $b) { messageId } }`, { c: chatId, b: `m${i}` }, ada.token),
        ),
      );
      expect(burst.filter((r) => codeOf(r) === undefined)).toHaveLength(5);
      const refused = burst.filter((r) => codeOf(r) === 'RATE_LIMITED');
      expect(refused).toHaveLength(3);
      // When to retry, as a number a client need not parse out of the message.
      const retryAfterMs = (refused[0].errors![0].extensions as { retryAfterMs?: number }).retryAfterMs;
      expect(retryAfterMs).toBeGreaterThan(50_000);
      expect(retryAfterMs).toBeLessThanOrEqual(60_000);
      // Another user has a budget of their own.
      await send(limited, bob, chatId, 'my turn');
      const stored = await limited.ok(`query ($c: ID!) { chat(id: $c) { lastSeq } }`, { c: chatId }, ada.token);
      expect(stored.chat.lastSeq).toBe(6);
    } finally {
      await limited.stop();
    }
  });
});
