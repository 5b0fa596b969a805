import { Redis } from 'ioredis';
import { unavailable } from '../domain/errors.js';
import { errorFields, type Logger } from './logger.js';

/**
 * A Redis connection that keeps reconnecting in the background. Command
 * connections fail fast instead of queueing while Redis is down: callers turn
 * that into UNAVAILABLE (or, for publishes, a logged miss that subscribers
 * recover from by seq). The subscriber connection queues instead, so an
 * UNSUBSCRIBE issued during an outage runs after it rather than rejecting
 * where nobody can catch it.
 */
export function connectRedis(url: string, name: string, logger: Logger, role: 'commands' | 'subscriber' = 'commands'): Redis {
  const failFast = role === 'commands';
  const client = new Redis(url, {
    connectionName: `parley-${name}`,
    enableOfflineQueue: !failFast,
    maxRetriesPerRequest: failFast ? 1 : null,
    connectTimeout: 3000,
    ...(failFast ? { commandTimeout: 3000 } : {}),
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    lazyConnect: true,
  });
  // One line per outage, not one per reconnect attempt.
  let down = false;
  client.on('error', (error) => {
    if (!down) logger.warn(`redis ${name} connection lost; reconnecting`, errorFields(error));
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
