import { Agent, request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';
import { directChat, signup, type TestUser } from '../support/users.js';

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
});
