import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startParley, type Parley } from '../../src/app.js';
import { LIMITS_OFF, loadConfig } from '../../src/config/config.js';
import { silentLogger, type Logger } from '../../src/observability/log.js';
import type { RelationalTarget } from './targets.js';

type Storage = Awaited<ReturnType<RelationalTarget['provision']>>;

export interface GraphQLResponse<T = any> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string }; path?: (string | number)[] }[];
}

/** The `extensions.code` of a response's first error. */
export const codeOf = (result: GraphQLResponse): string | undefined => result.errors?.[0]?.extensions?.code;


/**
 * What a test asks of a running Parley over the network, in this process
 * (TestServer) or another (ChildServer): GraphQL over HTTP, /readyz, a
 * graphql-ws client.
 */
export abstract class GraphQLEndpoint {
  abstract get url(): string;

  get wsUrl(): string {
    return this.url.replace(/^http/, 'ws');
  }

  async readiness(): Promise<{ status: number; body: { engines: Record<string, string>; latencyMs: Record<string, number> } }> {
    const response = await fetch(this.url.replace(/\/graphql$/, '/readyz'));
    return { status: response.status, body: (await response.json()) as { engines: Record<string, string>; latencyMs: Record<string, number> } };
  }

  async gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<T>;
  }

  /** Like gql, but fails the test on any error and returns data. */
  async ok<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<T> {
    const result = await this.gql<T>(query, variables, token);
    if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
    return result.data as T;
  }

  wsClient(token: string | null, extra: Partial<Parameters<typeof createClient>[0]> = {}): Client {
    return createClient({
      url: this.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
      lazy: true,
      ...extra,
    });
  }
}

/** A real Parley on an ephemeral port, over real storage, restartable on the same storage. */
export class TestServer extends GraphQLEndpoint {
  parley!: Parley;
  private storage!: Storage;
  /** Whether stop() disposes the storage (false when servers share it). */
  private ownsStorage = true;

  /** Extra environment for this server; rate limits are off unless a test turns them on. */
  private env: Record<string, string> = {};
  /** Where the server logs; silent unless a test listens. */
  private logger: Logger = silentLogger;

  static async start(target: RelationalTarget, env: Record<string, string> = {}, logger: Logger = silentLogger): Promise<TestServer> {
    const server = new TestServer();
    server.env = { ...LIMITS_OFF, ...env };
    server.logger = logger;
    server.storage = await target.provision();
    await server.boot();
    return server;
  }

  /** Another instance on storage someone else provisioned and disposes (multi-instance tests). */
  static async attach(storage: Storage, env: Record<string, string> = {}, logger: Logger = silentLogger): Promise<TestServer> {
    const server = new TestServer();
    server.env = { ...LIMITS_OFF, ...env };
    server.logger = logger;
    server.storage = storage;
    server.ownsStorage = false;
    await server.boot();
    return server;
  }

  private async boot(): Promise<void> {
    const config = loadConfig({
      PORT: '0',
      DATA_DIR: this.storage.dataDir,
      ...(this.storage.databaseUrl ? { DATABASE_URL: this.storage.databaseUrl } : {}),
      ...this.env,
    });
    this.parley = await startParley(config, this.logger);
  }

  get url(): string {
    return this.parley.url;
  }

  /** DATA_DIR of this server (embedded PGlite keeps its cluster under it). */
  get dataDir(): string {
    return this.storage.dataDir;
  }


  async restart(): Promise<void> {
    await this.parley.close();
    await this.boot();
  }

  async stop(): Promise<void> {
    await this.parley.close();
    if (this.ownsStorage) await this.storage.dispose();
  }
}

/** A subscription whose events are collected as they arrive. */
export class Subscription<T> {
  readonly events: T[] = [];
  readonly errors: unknown[] = [];
  completed = false;
  private waiters: (() => void)[] = [];
  private unsubscribe: () => void;

  constructor(client: Client, query: string, variables: Record<string, unknown>, pick: (data: any) => T) {
    this.unsubscribe = client.subscribe(
      { query, variables },
      {
        next: (result) => {
          if (result.errors) this.errors.push(...result.errors);
          else this.events.push(pick(result.data));
          this.notify();
        },
        error: (error) => {
          // graphql-ws reports a failed execution as the list of its GraphQL errors.
          this.errors.push(...(Array.isArray(error) ? error : [error]));
          this.notify();
        },
        complete: () => {
          this.completed = true;
          this.notify();
        },
      },
    );
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Waits until `count` events arrived (or an error / completion), failing after `ms`. */
  async waitFor(count: number, ms = 10_000): Promise<T[]> {
    const deadline = Date.now() + ms;
    while (this.events.length < count && this.errors.length === 0 && !this.completed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out with ${this.events.length}/${count} events`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (this.errors.length > 0) throw new Error(`subscription failed: ${JSON.stringify(this.errors)}`);
    return this.events.slice(0, count);
  }

  /** Waits for the first error the subscription reports. */
  async waitForError(ms = 10_000): Promise<unknown> {
    const deadline = Date.now() + ms;
    while (this.errors.length === 0) {
      if (Date.now() > deadline) throw new Error('timed out waiting for an error');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.errors[0];
  }

  close(): void {
    this.unsubscribe();
  }
}

export const MESSAGE_ADDED = `subscription ($chatId: ID!, $afterSeq: Int) {
  messageAdded(chatId: $chatId, afterSeq: $afterSeq) { id chatId seq body clientId createdAt sender { id username } }
}`;

export const subscribeMessages = (client: Client, chatId: string, afterSeq?: number) =>
  new Subscription<{ id: string; seq: number; body: string; clientId: string | null; sender: { id: string } }>(
    client,
    MESSAGE_ADDED,
    { chatId, afterSeq },
    (data) => data.messageAdded,
  );
