import { Redis } from 'ioredis';
import { unavailable } from '../domain/errors.js';
import type { Logger } from '../observability/log.js';

/** How long a command waits when no shorter timeout is configured (the realtime bus's publisher). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 3000;
/** The breaker's cool-down where none is configured (REDIS_COOLDOWN_MS sets the API's). */
export const DEFAULT_COOLDOWN_MS = 5000;

/**
 * A Redis connection that keeps reconnecting in the background. Command
 * connections fail fast instead of queueing while Redis is down: callers turn
 * that into UNAVAILABLE (or, for publishes, a logged miss that subscribers
 * recover from by seq). The subscriber connection queues instead, so an
 * UNSUBSCRIBE issued during an outage runs after it rather than rejecting
 * where nobody can catch it. `commandTimeoutMs` bounds each command of a
 * commands connection: with Redis hung rather than down, that is how long a
 * caller waits before its fallback.
 */
export function connectRedis(
  url: string,
  name: string,
  logger: Logger,
  role: 'commands' | 'subscriber' = 'commands',
  commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
): Redis {
  const failFast = role === 'commands';
  const client = new Redis(url, {
    connectionName: `parley-${name}`,
    enableOfflineQueue: !failFast,
    maxRetriesPerRequest: failFast ? 1 : null,
    connectTimeout: 3000,
    ...(failFast ? { commandTimeout: commandTimeoutMs } : {}),
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    lazyConnect: true,
  });
  // One line per outage, not one per reconnect attempt.
  let down = false;
  client.on('error', (error) => {
    if (!down) logger.warn({ err: error }, `redis ${name} connection lost; reconnecting`);
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info(`redis ${name} connection restored`);
    down = false;
  });
  return client;
}

/** Connects, but does not fail start-up when Redis is down: readiness reports it. */
export async function startRedis(client: Redis): Promise<Redis> {
  await client.connect().catch(() => undefined);
  return client;
}

export async function pingRedis(client: Redis): Promise<void> {
  if (client.status !== 'ready') throw unavailable(`Redis is ${client.status}`);
  await client.ping();
}

/** Thrown instead of calling Redis while the breaker is open; callers treat it like any Redis failure. */
export class RedisSkipped extends Error {
  constructor() {
    super('Redis skipped after a recent failure');
    this.name = 'RedisSkipped';
  }
}

/**
 * For the commands whose answer has a fallback (membership from the database,
 * rate limits failing open): after one fails, the next ones skip Redis for a
 * cool-down instead of each waiting for the command timeout, so a hung Redis
 * costs one timeout per cool-down rather than one per request. After the
 * cool-down the next command tries Redis again. A dozen lines, so no circuit
 * breaker library: nothing here needs half-open probes or statistics.
 */
export class RedisBreaker {
  private openUntil = 0;

  constructor(
    private readonly cooldownMs: number,
    private readonly logger: Logger,
  ) {}

  /** `force`: try Redis even while open (a call with no fallback); a failure still opens the breaker. */
  async run<T>(command: () => Promise<T>, { force = false } = {}): Promise<T> {
    if (!force && Date.now() < this.openUntil) throw new RedisSkipped();
    try {
      return await command();
    } catch (error) {
      if (Date.now() >= this.openUntil) {
        this.logger.warn({ err: error }, `redis command failed; skipping Redis for ${this.cooldownMs} ms`);
      }
      this.openUntil = Date.now() + this.cooldownMs;
      throw error;
    }
  }
}
