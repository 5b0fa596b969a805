import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createParleyClient, type Message, type MessageStream, type ParleyClient, type ParleyClientOptions, type RetryEvent } from '../../src/index.js';

/*
 * The SDK is tested against the real, built server (`npm test` builds every
 * workspace first), on embedded engines in a temp directory and an ephemeral
 * port. vitest.config.ts leaves server/dist to Node, as in production.
 */

const serverDist = fileURLToPath(new URL('../../../server/dist/', import.meta.url));

interface Parley {
  port: number;
  url: string;
  close(): Promise<void>;
}

async function loadServer() {
  if (!existsSync(join(serverDist, 'app.js'))) {
    throw new Error('server/dist is missing: run `npm run build --workspace server` (npm test builds it)');
  }
  const [{ startParley }, { loadConfig, LIMITS_OFF }, { silentLogger }] = await Promise.all([
    import(join(serverDist, 'app.js')),
    import(join(serverDist, 'config/config.js')),
    import(join(serverDist, 'observability/log.js')),
  ]);
  return {
    // Rate limits off unless `env` turns one on.
    start: (env: Record<string, string>) => startParley(loadConfig({ ...LIMITS_OFF, ...env }), silentLogger) as Promise<Parley>,
  };
}

/** A real Parley: PGlite in a temp dir, rate limits off unless `env` turns them on. */
export class TestParley {
  private parley: Parley | null = null;
  private dataDir: string | null = null;
  private readonly env: Record<string, string>;

  private constructor(env: Record<string, string>) {
    this.env = env;
  }

  /** One Parley for the enclosing describe block: started before its tests, removed after them. */
  static forSuite(env: Record<string, string> = {}): TestParley {
    const server = new TestParley(env);
    beforeAll(async () => {
      server.dataDir = await mkdtemp(join(tmpdir(), 'parley-sdk-test-'));
      await server.boot('0', server.dataDir);
    });
    afterAll(() => server.dispose());
    return server;
  }

  private async boot(port: string, dataDir: string): Promise<void> {
    const { start } = await loadServer();
    this.parley = await start({ PORT: port, DATA_DIR: dataDir, ...this.env });
  }

  get port(): number {
    return this.parley!.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  /** Graceful stop, as on SIGTERM: sockets are closed, the port stops answering. */
  async stop(): Promise<void> {
    await this.parley?.close();
  }

  /** Starts again on the same port and data. */
  async resume(): Promise<void> {
    await this.boot(String(this.port), this.dataDir!);
  }

  async dispose(): Promise<void> {
    await this.parley?.close();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}

export const uniqueName = (prefix = 'u'): string => `${prefix}_${randomBytes(5).toString('hex')}`;

export const PASSWORD = 'correct horse battery';

/** Collects a client's retry events and lets a test await the one it expects. */
export class RetryLog {
  readonly events: RetryEvent[] = [];
  private waiters: { match: (event: RetryEvent) => boolean; resolve: (event: RetryEvent) => void }[] = [];

  readonly push = (event: RetryEvent): void => {
    this.events.push(event);
    for (const waiter of [...this.waiters]) {
      if (waiter.match(event)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  };

  next(match: (event: RetryEvent) => boolean = () => true, ms = 15_000): Promise<RetryEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching retry event within ${ms} ms`)), ms);
      this.waiters.push({
        match,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
      });
    });
  }
}

/** Fast reconnects, so tests spend their time on behaviour rather than on waiting. */
export const FAST: Pick<ParleyClientOptions, 'reconnect' | 'sendRetry'> = {
  reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
  sendRetry: { initialDelayMs: 20, maxDelayMs: 100 },
};

export async function signedUp(url: string, options: Partial<ParleyClientOptions> = {}) {
  const client = createParleyClient({ url, ...FAST, ...options });
  const { user } = await client.signup({ username: uniqueName(), password: PASSWORD });
  return { client, user };
}

/** Clients a test created (and proxies it put in front of Parley), closed after it whatever happened. */
export class Clients {
  private readonly all: ParleyClient[] = [];
  private readonly others: { close(): Promise<void> }[] = [];

  /** Closes what each test of the enclosing describe block opened, after that test. */
  static forEachTest(): Clients {
    const clients = new Clients();
    afterEach(() => clients.closeAll());
    return clients;
  }

  add<T extends { client: ParleyClient }>(value: T): T {
    this.all.push(value.client);
    return value;
  }
  client(options: ParleyClientOptions): ParleyClient {
    const client = createParleyClient({ ...FAST, ...options });
    this.all.push(client);
    return client;
  }
  /** Something else to close after the test, once its clients are closed (a proxy, an interceptor). */
  closing<T extends { close(): Promise<void> }>(resource: T): T {
    this.others.push(resource);
    return resource;
  }
  async closeAll(): Promise<void> {
    await Promise.all(this.all.splice(0).map((c) => c.close()));
    await Promise.all(this.others.splice(0).map((r) => r.close()));
  }
}

/** The next `count` messages of a stream (the stream stays open). */
export async function take(stream: MessageStream, count: number): Promise<Message[]> {
  const got: Message[] = [];
  while (got.length < count) {
    const { value, done } = await stream.next();
    if (done) throw new Error(`stream ended after ${got.length}/${count} messages`);
    got.push(value);
  }
  return got;
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
