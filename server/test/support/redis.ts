import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Cluster, Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { silentLogger } from '../../src/observability/log.js';
import { connectRedis, startRedis, type RedisClient } from '../../src/support/redis.js';

/** The machine's Redis; tests use unique keys and channels, so they can share it. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function unreachableReason(): Promise<string | null> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    return `Redis at ${REDIS_URL} is unreachable: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    client.disconnect();
  }
}

const unreachable = await unreachableReason();
if (unreachable && process.env.CI) throw new Error(`${unreachable}. In CI Redis is required: this is a failure, not a skip.`);
if (unreachable) console.warn(`SKIPPED redis suites: ${unreachable}`);

/** null when the Redis suites can run, else why they are skipped. */
export const redisSkipReason = unreachable;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A Redis of the test's own, on its own port, that the test may stop and
 * restart: fault tests cannot take down the Redis every other test shares.
 */
export class DisposableRedis {
  private process: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<DisposableRedis> {
    const redis = new DisposableRedis(await freePort());
    await redis.resume();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async resume(): Promise<void> {
    this.process = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 5000;
    for (;;) {
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined); // connect() reports the failure; the event would only add noise
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        probe.disconnect();
      }
    }
  }

  /**
   * A hung Redis: connections stay open, and every command from every client
   * waits unanswered for `ms` (CLIENT PAUSE ALL). Only ever this test's own
   * Redis: other tests share the machine's.
   */
  async hang(ms: number): Promise<void> {
    const admin = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    admin.on('error', () => undefined);
    try {
      await admin.connect();
      await admin.call('CLIENT', 'PAUSE', String(ms), 'ALL');
    } finally {
      admin.disconnect();
    }
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

/** A client made from a URL is one node: narrowed so tests may use the commands a Cluster lacks. */
export function singleNode(client: RedisClient): Redis {
  if (client instanceof Cluster) throw new Error('a test Redis is one node at a URL, not a cluster');
  return client;
}

/** Redis clients as the app makes them, all disconnected after the file's tests. */
export function redisClients() {
  const clients: Redis[] = [];
  afterAll(() => clients.forEach((c) => c.disconnect()));
  return {
    connect: async (url = REDIS_URL) => {
      const client = singleNode(await startRedis(connectRedis(url, 'test', silentLogger)));
      clients.push(client);
      return client;
    },
    /** A client for a Redis that is not there. */
    dead: () => {
      const client = singleNode(connectRedis('redis://127.0.0.1:1', 'dead', silentLogger));
      clients.push(client);
      return client;
    },
  };
}
