import { request } from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { restartDelayMs } from '../../src/cluster/primary.js';
import { ChildServer } from '../support/child-server.js';
import { createTestDatabase, postgresUnreachable, type TestDatabase } from '../support/postgres.js';
import { scrape, valueOf } from '../support/prometheus-text.js';
import { freePort, REDIS_URL, redisSkipReason } from '../support/redis.js';
import { subscribeMessages, type GraphQLResponse } from '../support/server.js';
import { directChat, signup, type TestUser } from '../support/users.js';
import { until, untilFound } from '../support/until.js';

/*
 * WORKERS=2: the built server as `npm start` runs it, a primary and two
 * workers on one port, over the machine's PostgreSQL and Redis. Which worker
 * served what is read from the log lines (each carries its process's pid and
 * the worker's id); nothing is added to the API for it.
 */

const skip = redisSkipReason ?? (await postgresUnreachable());
const suite = skip ? describe.skip : describe;
if (skip) console.warn(`SKIPPED workers suite: ${skip}`);

/** One POST on a connection of its own (the cluster hands each new connection to the next worker), with a request id to find its log line by. */
function post(url: string, body: unknown, { token, reqId }: { token?: string; reqId?: string } = {}): Promise<{ status: number; body: GraphQLResponse }> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(reqId ? { 'x-request-id': reqId } : {}),
        },
      },
      (res) => {
        let answer = '';
        res.on('data', (chunk: Buffer) => (answer += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(answer) as GraphQLResponse }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

/** What users.ts needs of a server: GraphQL over HTTP, each request on a new connection. */
const endpoint = (server: ChildServer) => ({
  ok: async (query: string, variables?: Record<string, unknown>, token?: string) => {
    const { body } = await post(server.url, { query, variables }, { token });
    if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
    return body.data;
  },
});

const pidOfRequest = (server: ChildServer, reqId: string) => untilFound(() => server.lines().find((l) => l.msg === 'request' && l.reqId === reqId)?.pid);

let socketCount = 0;
/** A graphql-ws client whose upgrade request carries its own x-request-id, and the pid of the worker that took the socket. */
async function socketOnSomeWorker(server: ChildServer, user: TestUser): Promise<{ client: Client; pid: number; reqId: string }> {
  const reqId = `workers-socket-${process.pid}-${socketCount++}`;
  const client = createClient({
    url: server.wsUrl,
    webSocketImpl: class extends WebSocket {
      constructor(url: string, protocols: string | string[]) {
        super(url, protocols, { headers: { 'x-request-id': reqId } });
      }
    },
    connectionParams: { authorization: `Bearer ${user.token}` },
    retryAttempts: 0,
    lazy: false,
  });
  const pid = await untilFound(() => server.lines().find((l) => l.msg === 'websocket authenticated' && l.reqId === reqId)?.pid);
  return { client, pid, reqId };
}

const readyWorkers = (server: ChildServer) => server.lines().filter((l) => l.msg === 'worker ready');
/**
 * The primary's listening line follows both workers' ready messages over IPC, but each worker's
 * own log line travels on its stdout and may reach the pipe after it.
 */
async function bothWorkersReady(server: ChildServer) {
  await until(() => readyWorkers(server).length >= 2);
  return readyWorkers(server);
}
const metricsOf = (server: ChildServer) => scrape(server.url.replace(/\/graphql$/, '/metrics'));

suite('WORKERS=2 on PostgreSQL and Redis', () => {
  let db: TestDatabase;
  let server: ChildServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    // No JWT_SECRET: the workers share the one generated into DATA_DIR. The live check is
    // pushed out of the way, so a message can reach another worker's subscriber only through Redis.
    server = await ChildServer.start({ WORKERS: '2', DATABASE_URL: db.url, REDIS_URL, LIVE_CHECK_INTERVAL_MS: '600000', LOG_LEVEL: 'info' });
  }, 120_000);
  afterAll(async () => {
    await server?.kill();
    await db?.drop();
  });

  it('serves one port from two worker processes, each new connection going to the next', async () => {
    const workers = await bothWorkersReady(server);
    expect(workers).toHaveLength(2);
    const workerPids = new Set(workers.map((l) => l.pid));
    expect(workerPids.size).toBe(2);
    expect(workerPids.has(server.pid)).toBe(false);
    expect(new Set(workers.map((l) => l.worker))).toEqual(new Set([1, 2]));

    const served = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const reqId = `workers-rr-${process.pid}-${i}`;
      const { status } = await post(server.url, { query: '{ __typename }' }, { reqId });
      expect(status).toBe(200);
      served.add(await pidOfRequest(server, reqId));
    }
    expect(served).toEqual(workerPids);
    // Every line says which process wrote it: the primary's say so, the workers' carry their id.
    for (const line of server.lines()) {
      if (line.pid === server.pid) expect(line.process).toBe('primary');
      else expect(workerPids.has(line.pid) && typeof line.worker === 'number', JSON.stringify(line)).toBe(true);
    }
  });

  it('delivers a message sent through one worker to a subscriber on the other, and /metrics adds up both workers', async () => {
    const api = endpoint(server);
    const ada = await signup(api);
    const bob = await signup(api);
    // A token issued by one worker is accepted by the other: they share the secret.
    const chatId = await directChat(api, ada, bob);

    // Bob's sockets until one sits on each worker.
    const sockets: Awaited<ReturnType<typeof socketOnSomeWorker>>[] = [];
    while (new Set(sockets.map((s) => s.pid)).size < 2) {
      expect(sockets.length).toBeLessThan(6);
      sockets.push(await socketOnSomeWorker(server, bob));
    }
    const [first, second] = [sockets[0]!, sockets.find((s) => s.pid !== sockets[0]!.pid)!];
    const spare = sockets.filter((s) => s !== first && s !== second);
    await Promise.all(spare.map((s) => s.client.dispose()));
    const onFirst = subscribeMessages(first.client, chatId, 0);
    const onSecond = subscribeMessages(second.client, chatId, 0);
    try {
      const sendMessage = `mutation ($c: ID!, $b: String!) { sendMessage(chatId: $c, body: $b) { messageId } }`;
      // The first message makes both subscriptions live (replayed or delivered); the second can only come live.
      const opening = await post(server.url, { query: sendMessage, variables: { c: chatId, b: 'opening' } }, { token: ada.token });
      expect(opening.body.errors).toBeUndefined();
      await onFirst.waitFor(1);
      await onSecond.waitFor(1);

      const reqId = `workers-send-${process.pid}`;
      const { body } = await post(server.url, { query: sendMessage, variables: { c: chatId, b: 'across workers' } }, { token: ada.token, reqId });
      expect(body.errors).toBeUndefined();
      const senderPid = await pidOfRequest(server, reqId);
      const [a, b] = [await onFirst.waitFor(2), await onSecond.waitFor(2)];
      expect(a.map((m) => [m.seq, m.body])).toEqual([[1, 'opening'], [2, 'across workers']]);
      expect(b.map((m) => [m.seq, m.body])).toEqual([[1, 'opening'], [2, 'across workers']]);
      // One of the two subscribers is on the worker that did not take the send.
      expect([first.pid, second.pid]).toContain(senderPid);
      expect(first.pid).not.toBe(second.pid);

      // Whichever worker a scrape reaches, it answers with both workers' figures (and the primary's).
      for (let i = 0; i < 4; i++) {
        const metrics = await metricsOf(server);
        expect(valueOf(metrics, 'parley_workers')).toBe(2);
        expect(valueOf(metrics, 'parley_websocket_connections')).toBe(2);
        expect(valueOf(metrics, 'parley_subscriptions')).toBe(2);
        // Message 2 went live to both sockets, one on each worker.
        expect(valueOf(metrics, 'parley_deliveries_total')).toBeGreaterThanOrEqual(2);
        expect(valueOf(metrics, 'parley_sends_accepted_total')).toBe(2);
        expect(valueOf(metrics, 'parley_engine_up', { engine: 'realtimeBus' })).toBe(1);
        expect(valueOf(metrics, 'process_cpu_seconds_total')).toBeGreaterThan(0);
      }
      const scrapedBy = new Set(server.lines().filter((l) => l.msg === 'request' && l.path === '/metrics').map((l) => l.pid));
      expect(scrapedBy.size).toBe(2);
    } finally {
      onFirst.close();
      onSecond.close();
      await first.client.dispose();
      await second.client.dispose();
    }
  });

  it('replaces a worker killed with SIGKILL, and keeps serving meanwhile', async () => {
    const before = readyWorkers(server);
    const victim = before[0]!.pid;
    const survivor = before[1]!.pid;
    process.kill(victim, 'SIGKILL');
    const replaced = await untilFound(() => server.lines().find((l) => l.msg === 'worker replaced'), 30_000);
    const fresh = replaced.workerPid as number;
    expect([victim, survivor]).not.toContain(fresh);
    expect(server.lines().find((l) => l.msg === 'worker exited unexpectedly')).toMatchObject({ workerPid: victim, signal: 'SIGKILL' });
    expect(() => process.kill(victim, 0)).toThrow();

    const served = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const reqId = `workers-after-kill-${process.pid}-${i}`;
      const { status, body } = await post(server.url, { query: '{ __typename }' }, { reqId });
      expect([status, body.data]).toEqual([200, { __typename: 'Query' }]);
      served.add(await pidOfRequest(server, reqId));
    }
    expect(served).toEqual(new Set([survivor, fresh]));
    const metrics = await metricsOf(server);
    expect(valueOf(metrics, 'parley_workers')).toBe(2);
    expect(valueOf(metrics, 'parley_worker_restarts_total')).toBe(1);
  });
});

suite('WORKERS=2 with METRICS_PORT, stopped with SIGTERM', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('serves the aggregate on METRICS_PORT from the primary, and shuts every process down gracefully with exit 0', async () => {
    const metricsPort = await freePort();
    const server = await ChildServer.start({ WORKERS: '2', DATABASE_URL: db.url, REDIS_URL, METRICS_PORT: String(metricsPort) });
    let stopped: Awaited<ReturnType<ChildServer['terminate']>> | undefined;
    try {
      const workerPids = (await bothWorkersReady(server)).map((l) => l.pid);
      expect(workerPids).toHaveLength(2);
      const metrics = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(valueOf(metrics, 'parley_workers')).toBe(2);
      expect(valueOf(metrics, 'parley_engine_up', { engine: 'relational' })).toBe(1);
      // Each engine family once, not once per worker.
      expect(metrics.get('parley_engine_up')!.samples.filter((s) => s.labels.engine === 'relational')).toHaveLength(1);
      // The API port does not serve them (METRICS_PORT moves them off it), whichever worker answers.
      for (let i = 0; i < 2; i++) {
        const status = await new Promise<number>((resolve, reject) =>
          request(server.url.replace(/\/graphql$/, '/metrics'), { agent: false }, (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject).end(),
        );
        expect(status).toBe(404);
      }

      stopped = await server.terminate();
      expect(stopped.code).toBe(0);
      for (const pid of workerPids) expect(() => process.kill(pid, 0)).toThrow();
      const lines = server.lines();
      expect(lines.filter((l) => l.msg === 'SIGTERM received, shutting down').map((l) => l.pid).sort()).toEqual([server.pid, ...workerPids].sort());
      expect(lines.filter((l) => l.msg === 'stopped').map((l) => l.pid).sort()).toEqual([server.pid, ...workerPids].sort());
      expect(lines.filter((l) => l.msg === 'worker stopped').map((l) => l.code)).toEqual([0, 0]);
      expect(lines.some((l) => l.msg === 'worker replaced' || l.msg === 'worker exited unexpectedly')).toBe(false);
    } finally {
      if (!stopped) await server.kill();
    }
  }, 60_000);

  it('ends the start with exit 1 when the workers cannot start, instead of replacing them forever', async () => {
    const missing = new URL(db.url);
    missing.pathname = '/parley_workers_no_such_database';
    const failure = await ChildServer.start({ WORKERS: '2', DATABASE_URL: missing.toString(), REDIS_URL }).then(
      (server) => server.kill().then(() => null),
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/^child server exited with 1:/);
    expect(failure).toMatch(/could not start: worker \d exited \(1\) before it was ready/);
    expect(failure).not.toMatch(/replacing the worker/);
  }, 60_000);
});

describe('WORKERS in embedded mode', () => {
  it('is refused at start with one line saying why (PGlite is one process, the in-process bus does not cross processes)', async () => {
    const failure = await ChildServer.start({ WORKERS: '2', DATABASE_URL: '', REDIS_URL: '' }).then(
      (server) => server.kill().then(() => null),
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/^child server exited with 1:\nparley: invalid configuration: WORKERS=2 needs DATABASE_URL and REDIS_URL: without DATABASE_URL the embedded PGlite database under DATA_DIR is one process's alone; without REDIS_URL the in-process realtime bus would not carry a message stored by one worker to subscribers connected to another\. Set both \(REDIS_CLUSTER_NODES in place of REDIS_URL will do\), or WORKERS=1\n$/);
  }, 60_000);
});

describe('replacing a worker that died', () => {
  it('happens at once the first time in a minute, then after 1 s, 2 s, 4 s … at most 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 10].map(restartDelayMs)).toEqual([0, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });
});
