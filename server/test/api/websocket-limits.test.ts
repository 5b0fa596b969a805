import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startParley, type Parley } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { recordingLogger } from '../support/log-lines.js';
import { subscribeMessages, TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';
import { directChat, send, signup, type TestUser } from '../support/users.js';
import { until } from '../support/until.js';

interface RawSocket {
  socket: WebSocket;
  /** Every message the server sent, parsed. */
  messages: { type: string; id?: string; payload?: any }[];
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the first message of `type` (or rejects when the socket closes first). */
  next(type: string): Promise<{ type: string; id?: string; payload?: any }>;
  send(message: unknown): void;
}

/** A graphql-ws socket without a client library, so a test can send what a client should not and see the close code. */
async function rawSocket(wsUrl: string, token: string | null): Promise<RawSocket> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const messages: RawSocket['messages'] = [];
  const listeners = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => {
      resolve({ code, reason: String(reason) });
      for (const listener of listeners) listener();
    }),
  );
  socket.on('error', () => undefined);
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)));
    for (const listener of listeners) listener();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', () => reject(new Error('upgrade refused')));
  });
  const raw: RawSocket = {
    socket,
    messages,
    closed,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next: (type) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find((m) => m.type === type);
          if (found) {
            listeners.delete(check);
            messages.splice(messages.indexOf(found), 1);
            resolve(found);
          } else if (socket.readyState === WebSocket.CLOSED) {
            listeners.delete(check);
            reject(new Error(`socket closed before a ${type} message`));
          }
        };
        listeners.add(check);
        check();
      }),
  };
  raw.send({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} });
  return raw;
}

/** Whether the socket is still open after `ms` (a close that should not happen gets that long to show up). */
const stillOpenAfter = async (raw: RawSocket, ms: number) =>
  Promise.race([raw.closed.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), ms))]);

const MESSAGE_ADDED = 'subscription ($c: ID!) { messageAdded(chatId: $c, afterSeq: 0) { seq body } }';

describe('WebSocket limits', () => {
  let server: TestServer;
  let ada: TestUser;
  let bob: TestUser;
  let chatId: string;

  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget, {
      MAX_REQUEST_BYTES: String(64 * 1024),
      MAX_SUBSCRIPTIONS_PER_SOCKET: '3',
      MAX_SOCKETS_PER_USER: '2',
    });
    [ada, bob] = [await signup(server), await signup(server)];
    chatId = await directChat(server, ada, bob);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('MAX_REQUEST_BYTES bounds WebSocket frames (closed with 1009) and HTTP bodies (413) alike', async () => {
    const raw = await rawSocket(server.wsUrl, ada.token);
    await raw.next('connection_ack');
    // Just under the limit: an ordinary (if unparsable) request, answered with an error.
    raw.send({ id: 'small', type: 'subscribe', payload: { query: `{ ${'x'.repeat(60 * 1024)}` } });
    expect((await raw.next('error')).payload[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    raw.send({ id: 'big', type: 'subscribe', payload: { query: `{ ${'x'.repeat(64 * 1024)} }` } });
    expect((await raw.closed).code).toBe(1009);

    const body = JSON.stringify({ query: `{ ${'x'.repeat(64 * 1024)} }` });
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(413);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('MAX_SOCKETS_PER_USER: a further socket of the same user is closed with 1013 (Try Again Later) until one closes', async () => {
    const first = await rawSocket(server.wsUrl, ada.token);
    const second = await rawSocket(server.wsUrl, ada.token);
    await Promise.all([first.next('connection_ack'), second.next('connection_ack')]);
    const third = await rawSocket(server.wsUrl, ada.token);
    expect(await third.closed).toEqual({ code: 1013, reason: 'Too many connections for this user: at most 2' });

    // Another user is not affected.
    const other = await rawSocket(server.wsUrl, bob.token);
    await other.next('connection_ack');

    first.socket.close();
    await first.closed;
    const again = await rawSocket(server.wsUrl, ada.token);
    await again.next('connection_ack');
    for (const raw of [second, other, again]) raw.socket.close();
    await Promise.all([second.closed, other.closed, again.closed]);
  });

  it('MAX_SUBSCRIPTIONS_PER_SOCKET: one operation more is refused with BAD_USER_INPUT, the socket stays', async () => {
    const raw = await rawSocket(server.wsUrl, ada.token);
    await raw.next('connection_ack');
    for (const id of ['1', '2', '3']) raw.send({ id, type: 'subscribe', payload: { query: MESSAGE_ADDED, variables: { c: chatId } } });
    raw.send({ id: '4', type: 'subscribe', payload: { query: MESSAGE_ADDED, variables: { c: chatId } } });
    const refused = await raw.next('error');
    expect(refused.id).toBe('4');
    expect(refused.payload[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(refused.payload[0].message).toMatch(/at most 3/);

    // Ending one makes room; the three that run still deliver.
    raw.send({ id: '1', type: 'complete' });
    raw.send({ id: '5', type: 'subscribe', payload: { query: MESSAGE_ADDED, variables: { c: chatId } } });
    await send(server, bob, chatId, 'still here');
    const delivered = new Set<string>();
    while (delivered.size < 3) delivered.add((await raw.next('next')).id!);
    expect([...delivered].sort()).toEqual(['2', '3', '5']);
    expect(raw.messages.filter((m) => m.type === 'error')).toEqual([]);
    raw.socket.close();
    await raw.closed;
  });

  it('MAX_SUBSCRIPTIONS_PER_SOCKET counts live executions: completing an id during its setup and reusing it runs no more than the cap', async () => {
    const raw = await rawSocket(server.wsUrl, ada.token);
    await raw.next('connection_ack');
    // Each complete arrives while its subscribe is still being set up (membership check, bus subscription),
    // when graphql-ws holds only a placeholder for the id: it forgets the id, the execution goes on.
    for (let i = 0; i < 20; i++) {
      raw.send({ id: 'same', type: 'subscribe', payload: { query: MESSAGE_ADDED, variables: { c: chatId } } });
      raw.send({ id: 'same', type: 'complete' });
    }
    raw.send({ id: 'same', type: 'subscribe', payload: { query: MESSAGE_ADDED, variables: { c: chatId } } });
    const open = await stillOpenAfter(raw, 1_000);
    const probe = `probe ${randomUUID()}`;
    await send(server, bob, chatId, probe);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const deliveries = raw.messages.filter((m) => m.type === 'next' && m.payload?.data?.messageAdded?.body === probe).length;
    // Live executions on this socket: never more than the cap, whatever graphql-ws's own bookkeeping says.
    expect(deliveries).toBeLessThanOrEqual(3);
    if (!open) expect((await raw.closed).code).toBe(4409);
    raw.socket.close();
    await raw.closed;
  });

  it('closes a socket whose client sends a server-only message type with 4400 (BadRequest)', async () => {
    for (const message of [{ type: 'connection_ack' }, { id: '1', type: 'next', payload: { data: {} } }, { id: '1', type: 'error', payload: [{ message: 'x' }] }]) {
      const raw = await rawSocket(server.wsUrl, ada.token);
      await raw.next('connection_ack');
      raw.send(message);
      expect((await raw.closed).code, message.type).toBe(4400);
    }
  });
});

describe('WebSocket limits: logging', () => {
  const { logger, lines } = recordingLogger('debug');
  let parley: Parley;
  let storage: Awaited<ReturnType<typeof pgliteTarget.provision>>;

  beforeAll(async () => {
    storage = await pgliteTarget.provision();
    parley = await startParley(loadConfig({ PORT: '0', DATA_DIR: storage.dataDir, MAX_REQUEST_BYTES: '4096' }), logger);
  });
  afterAll(async () => {
    await parley?.close();
    await storage?.dispose();
  });

  it('a client breaking the protocol (server-only message, oversized frame) is logged at debug, never as an error', async () => {
    const response = await fetch(parley.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `mutation { signup(username: "u_${randomUUID().slice(0, 8)}", password: "correct horse") { token } }` }),
    });
    const user = ((await response.json()) as any).data.signup as { token: string };
    const wsUrl = parley.url.replace(/^http/, 'ws');
    const protocolBreak = await rawSocket(wsUrl, user.token);
    await protocolBreak.next('connection_ack');
    protocolBreak.send({ type: 'connection_ack' });
    expect((await protocolBreak.closed).code).toBe(4400);
    const oversized = await rawSocket(wsUrl, user.token);
    await oversized.next('connection_ack');
    oversized.send({ id: randomUUID(), type: 'subscribe', payload: { query: 'x'.repeat(5000) } });
    expect((await oversized.closed).code).toBe(1009);
    expect(lines.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    expect(lines.filter((l) => l.level === 'debug').length).toBeGreaterThanOrEqual(2);
  });
});

describe('WebSocket sessions end with their token', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget, { TOKEN_LIFETIME: '6s' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('closes an authenticated socket with 4401 when its token expires', async () => {
    const [ada, bob] = [await signup(server), await signup(server)];
    const chatId = await directChat(server, ada, bob);
    const raw = await rawSocket(server.wsUrl, ada.token);
    await raw.next('connection_ack');
    raw.send({ id: 'm', type: 'subscribe', payload: { query: MESSAGE_ADDED, variables: { c: chatId } } });
    await send(server, bob, chatId, 'before expiry');
    expect((await raw.next('next')).payload.data.messageAdded.body).toBe('before expiry');
    expect(await raw.closed).toEqual({ code: 4401, reason: 'Token expired' });
    // Over HTTP the same token is refused too.
    expect((await server.gql('{ me { id } }', {}, ada.token)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('WebSocket sessions with the default 30-day token', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('MAX_WS_MESSAGE_BYTES (64 KiB by default) bounds a graphql-ws message far below MAX_REQUEST_BYTES: closed with 1009', async () => {
    const ada = await signup(server);
    const raw = await rawSocket(server.wsUrl, ada.token);
    await raw.next('connection_ack');
    // Under the bound: an ordinary operation (an unused variable is ignored), answered on an open socket.
    raw.send({ id: 'fits', type: 'subscribe', payload: { query: '{ me { id } }', variables: { pad: 'x'.repeat(60 * 1024) } } });
    expect((await raw.next('next')).payload.data.me.id).toBe(ada.id);
    // Over it, in variables or extensions alike, and far below the 1 MiB of MAX_REQUEST_BYTES.
    raw.send({ id: 'big', type: 'subscribe', payload: { query: '{ me { id } }', extensions: { pad: 'x'.repeat(100 * 1024) } } });
    const outcome = await Promise.race([raw.closed.then((c) => c.code), new Promise((resolve) => setTimeout(() => resolve('still open'), 5_000))]);
    expect(outcome).toBe(1009);
  });

  it('waits 10 s for connection_init (a slow phone), not graphql-ws\'s 3 s', async () => {
    const ada = await signup(server);
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    const messages: { type: string }[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise<void>((resolve) => socket.once('open', () => resolve()));
    const earlyClose = await Promise.race([closed, new Promise<null>((resolve) => setTimeout(() => resolve(null), 4_500))]);
    expect(earlyClose).toBeNull();
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ada.token}` } }));
    await until(() => messages.some((m) => m.type === 'connection_ack'));
    socket.close();
    await closed;
  });

  // 30 days is more than setTimeout's 2^31 - 1 ms: a naive timer would fire at once.
  it('keeps the socket open and delivering', async () => {
    const [ada, bob] = [await signup(server), await signup(server)];
    const chatId = await directChat(server, ada, bob);
    const client = server.wsClient(ada.token);
    try {
      const subscription = subscribeMessages(client, chatId, 0);
      await send(server, bob, chatId, 'one');
      await subscription.waitFor(1);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await send(server, bob, chatId, 'two');
      expect((await subscription.waitFor(2)).map((m) => m.body)).toEqual(['one', 'two']);
    } finally {
      await client.dispose();
    }
  });
});
