import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { SOCKET_CLOSE_TIMEOUT_MS } from '../../src/config/tuning.js';
import { requestGraceOf } from '../../src/support/shutdown.js';
import { MESSAGE_ADDED, TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';
import { directChat, send, signup, type TestUser } from '../support/users.js';
import { until } from '../support/until.js';
import WebSocket from 'ws';

interface Outcome {
  status?: number;
  code?: string;
  connectionClose?: boolean;
  error?: string;
}

/** One POST on the agent's kept-alive connections: the answer, or the network error instead of one. */
function post(agent: Agent, url: URL, body: string, token: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
        res.on('end', () => {
          let code: string | undefined;
          try {
            code = JSON.parse(Buffer.concat(chunks).toString()).errors?.[0]?.extensions?.code;
          } catch {
            code = 'unparsable body';
          }
          resolve({ status: res.statusCode, code, connectionClose: res.headers.connection === 'close' });
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end(body);
  });
}

/**
 * A client that uploads its whole body before it reads the answer (curl, most
 * mobile HTTP stacks): on a connection that already served one request, a POST
 * of `bytes` written in 64 KB pieces 5 ms apart, with reading paused until the
 * last piece is written. What it then reads: the status, or the error instead.
 */
async function uploadThenRead(socket: Socket, path: string, bytes: number, token: string): Promise<{ status?: number; error?: string }> {
  const body = Buffer.from(JSON.stringify({ query: '{ me { id } }', variables: { pad: 'x'.repeat(bytes) } }));
  socket.pause();
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let writeError: string | undefined;
  socket.on('error', (error: NodeJS.ErrnoException) => (writeError ??= error.code ?? error.message));
  socket.write(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${body.length}\r\n\r\n`);
  for (let offset = 0; offset < body.length && !writeError && !socket.destroyed; offset += 64 * 1024) {
    socket.write(body.subarray(offset, offset + 64 * 1024));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.resume();
  await closed;
  const status = /^HTTP\/1\.1 (\d{3})/.exec(received);
  return status ? { status: Number(status[1]) } : { error: writeError ?? 'closed without an answer' };
}

/** An upgrade to WebSocket on the agent's kept-alive connection (as undici's WebSocket sends it): the answer, or what happened instead. */
function upgrade(agent: Agent, url: URL): Promise<Outcome & { upgraded?: boolean }> {
  return new Promise((resolve) => {
    const req = request(url, {
      agent,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-protocol': 'graphql-transport-ws' },
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve({ upgraded: true });
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end();
  });
}

// Closing HTTP is above the storage ports: one engine is enough here.
describe('graceful shutdown', () => {
  let server: TestServer;
  let ada: TestUser;
  let chatId: string;

  beforeEach(async () => {
    server = await TestServer.start(pgliteTarget);
    ada = await signup(server);
    chatId = await directChat(server, ada, await signup(server));
  });
  afterEach(async () => {
    await server?.stop();
  });

  it('answers every request on kept-alive connections while closing: success or UNAVAILABLE, never a reset', async () => {
    const url = new URL(server.url.replace('localhost', '127.0.0.1'));
    const agent = new Agent({ keepAlive: true, maxSockets: 24 });
    const bodies = [
      JSON.stringify({ query: '{ me { id } chats(first: 5) { edges { cursor } } }' }),
      JSON.stringify({ query: 'mutation ($c: ID!) { sendMessage(chatId: $c, body: "during shutdown") { messageId } }', variables: { c: chatId } }),
    ];
    const outcomes: Outcome[] = [];
    let answered = 0;
    let closing: Promise<void> | null = null;

    // Each worker keeps its connection busy until the server says it closes (503, or `connection: close`).
    const worker = async (n: number) => {
      for (let i = 0; ; i++) {
        const outcome = await post(agent, url, bodies[(n + i) % bodies.length]!, ada.token);
        outcomes.push(outcome);
        if (++answered === 200) closing = server.parley.close();
        if (outcome.error || outcome.status === 503 || outcome.connectionClose) return;
      }
    };
    await Promise.all(Array.from({ length: 24 }, (_, n) => worker(n)));
    await closing;
    agent.destroy();

    const refusedConnections = outcomes.filter((o) => o.error === 'ECONNREFUSED').length;
    const failures = outcomes.filter((o) => o.error && o.error !== 'ECONNREFUSED');
    expect(failures, 'requests that got a reset or no answer').toEqual([]);
    const answers = outcomes.filter((o) => !o.error);
    expect(answers.filter((o) => o.status !== 200 && !(o.status === 503 && o.code === 'UNAVAILABLE'))).toEqual([]);
    expect(answers.filter((o) => o.status === 200 && o.code !== undefined)).toEqual([]);
    // Stopping to accept is allowed to refuse a new connection; the workers above never need one.
    expect(refusedConnections).toBe(0);
    expect(answers.length).toBeGreaterThan(200);
  });

  it('answers a WebSocket upgrade that arrives on a kept-alive connection while closing (503), instead of leaving it hanging', async () => {
    const url = new URL(server.url.replace('localhost', '127.0.0.1'));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await post(agent, url, JSON.stringify({ query: '{ me { id } }' }), ada.token)).status).toBe(200);
    const closing = server.parley.close();
    expect(await upgrade(agent, url)).toEqual({ status: 503 });
    await closing;
    agent.destroy();
  });

  it('reads the body of a request it refuses while closing, so a client that uploads before it reads gets the 503, not a reset', async () => {
    const url = new URL(server.url.replace('localhost', '127.0.0.1'));
    const socket = connect(Number(url.port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // One request first, so the connection is one the server already serves when closing starts.
    socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    const closing = server.parley.close();
    // Just under MAX_REQUEST_BYTES (1 MB): more than the socket buffers hold while the client is not reading.
    expect(await uploadThenRead(socket, url.pathname, 900_000, ada.token)).toEqual({ status: 503 });
    await closing;
  });

  /** A graphql-ws socket of ada's with one live subscription, and its close as the client sees it. */
  async function liveSocket() {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    const messages: { type: string }[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    socket.on('error', () => undefined);
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => socket.once('open', () => resolve()));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ada.token}` } }));
    await until(() => messages.some((m) => m.type === 'connection_ack'));
    socket.send(JSON.stringify({ type: 'subscribe', id: 's1', payload: { query: MESSAGE_ADDED, variables: { chatId } } }));
    // The subscription is live once a message sent now reaches it.
    await until(async () => {
      await send(server, ada, chatId, 'ping');
      return messages.some((m) => m.type === 'next');
    });
    return { socket, closed };
  }

  it('tells open WebSockets 1001 (Going Away) and waits for them to close before it is done', async () => {
    const { closed } = await liveSocket();
    let done = false;
    const closing = server.parley.close().then(() => (done = true));
    expect(await closed).toBe(1001);
    await closing;
    expect(done).toBe(true);
  });

  it('waits a bounded time for a WebSocket client that never answers the close, then cuts it', async () => {
    const { socket, closed } = await liveSocket();
    // The client stops reading: it never sees the close frame, so it never answers it (ws alone would wait 30 s).
    (socket as unknown as { _socket: Socket })._socket.pause();
    const started = Date.now();
    await server.parley.close();
    const took = Date.now() - started;
    // Cut once it has ignored the close for SOCKET_CLOSE_TIMEOUT_MS, within the default SHUTDOWN_TIMEOUT's share for sockets (10 s of 15 s).
    const graceMs = requestGraceOf(loadConfig({}).shutdownTimeoutMs);
    expect(took).toBeGreaterThanOrEqual(Math.min(SOCKET_CLOSE_TIMEOUT_MS, graceMs) - 500);
    expect(took).toBeLessThan(graceMs + 5_000);
    (socket as unknown as { _socket: Socket })._socket.resume();
    await closed;
  }, 60_000);
});
