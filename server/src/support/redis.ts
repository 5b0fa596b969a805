import { Cluster, Redis } from 'ioredis';
import type { RedisTarget } from '../config/config.js';
import { unavailable } from '../domain/errors.js';
import type { Logger } from '../observability/log.js';

/** A connection to the shared Redis: one server (REDIS_URL) or a cluster (REDIS_CLUSTER_NODES). */
export type RedisClient = Redis | Cluster;

/** How long a command waits when no shorter timeout is configured (the realtime bus's publisher). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 3000;

/**
 * A Redis connection that keeps reconnecting in the background. Command
 * connections fail fast instead of queueing while Redis is down: callers turn
 * that into UNAVAILABLE (or, for publishes, a logged miss that subscribers
 * recover from by seq). The subscriber connection queues instead, so an
 * UNSUBSCRIBE issued during an outage runs after it rather than rejecting
 * where nobody can catch it. `commandTimeoutMs` bounds each command of a
 * commands connection: with Redis hung rather than down, that is how long a
 * caller waits before its fallback.
 *
 * A string is one server's URL; a cluster target gives an ioredis Cluster
 * with the same behaviour per node, whose subscriber connects one sharded
 * subscriber per master (SSUBSCRIBE goes to the shard owning the channel).
 */
export function connectRedis(
  target: string | RedisTarget,
  name: string,
  logger: Logger,
  role: 'commands' | 'subscriber' = 'commands',
  commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
): RedisClient {
  const failFast = role === 'commands';
  const options = {
    connectionName: `parley-${name}`,
    connectTimeout: 3000,
    maxRetriesPerRequest: failFast ? 1 : null,
    ...(failFast ? { commandTimeout: commandTimeoutMs } : {}),
    /*
     * Commands issued in one turn of the event loop leave in one write: every
     * send checks membership, and a persister batch publishes each of its
     * messages, and on this path a socket write cost more CPU than the command.
     */
    enableAutoPipelining: failFast,
  };
  const retryStrategy = (attempt: number) => Math.min(attempt * 200, 2000);
  const cluster = typeof target !== 'string' && 'clusterNodes' in target ? target : null;
  const url = typeof target === 'string' ? target : 'url' in target ? target.url : '';
  const client: RedisClient =
    cluster === null
      ? new Redis(url, { ...options, enableOfflineQueue: !failFast, retryStrategy, lazyConnect: true })
      : new Cluster(cluster.clusterNodes, {
          enableOfflineQueue: !failFast,
          enableAutoPipelining: failFast,
          clusterRetryStrategy: retryStrategy,
          shardedSubscribers: role === 'subscriber',
          // Asks the cluster who serves which slot every 2 s, not only when a command meets MOVED:
          // after a failover the replica that took over is known (and readiness is right) within it.
          slotsRefreshInterval: CLUSTER_SLOTS_REFRESH_MS,
          lazyConnect: true,
          // Per node: ioredis drops a node's connection when it fails and finds the slot's
          // new owner from the cluster (after a failover, its replica).
          redisOptions: {
            ...options,
            ...(cluster.username !== undefined ? { username: cluster.username } : {}),
            ...(cluster.password !== undefined ? { password: cluster.password } : {}),
            ...(cluster.tls ? { tls: {} } : {}),
          },
        });
  // One line per outage, not one per reconnect attempt.
  let down = false;
  client.on('error', (error) => {
    if (!down) logger.warn({ err: error }, `redis ${name} connection lost; reconnecting`);
    down = true;
    // A cluster client's "Failed to refresh slots cache" hides what the nodes said.
    lastErrors.set(client, (error as { lastNodeError?: Error }).lastNodeError ?? error);
  });
  client.on('ready', () => {
    if (down) logger.info(`redis ${name} connection restored`);
    down = false;
  });
  if (client instanceof Cluster) {
    // After a failover the client learns the new masters at a slots refresh.
    client.on('refresh', () => void connectMasters(client));
    // One node failing leaves the cluster 'ready': say which node, once per node and minute.
    const reported = new Map<string, number>();
    const nodeFailed = (error: unknown, node: string) => {
      const last = reported.get(node) ?? 0;
      if (Date.now() - last < 60_000) return;
      reported.set(node, Date.now());
      logger.warn({ err: error, node }, `redis ${name} lost a cluster node; following the cluster to the slot's owner`);
    };
    // 'node error' from command connections, 'nodeError' from sharded subscribers.
    client.on('node error', nodeFailed);
    client.on('nodeError', nodeFailed);
  }
  return client;
}

const lastErrors = new WeakMap<RedisClient, Error>();

/** What a client's connection last failed with, for a line that says why it is not ready. */
export function lastRedisError(client: RedisClient): Error | undefined {
  return lastErrors.get(client);
}

/** Connects, but does not fail start-up when Redis is down: readiness reports it. */
export async function startRedis<C extends RedisClient>(client: C): Promise<C> {
  if (!(client instanceof Cluster)) {
    await client.connect().catch(() => undefined);
    return client;
  }
  // A cluster client whose first ready check fails reconnects by itself but never settles the
  // promise connect() returned (ioredis 5.11): wait for 'ready' instead, as long as a start may.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, CLUSTER_START_WAIT_MS);
    function done() {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    }
    client.once('ready', done);
    client.connect().then(done, done);
  });
  await connectMasters(client);
  return client;
}

const CLUSTER_SLOTS_REFRESH_MS = 2000;

/** How long start-up waits for a cluster before going on without it (readiness reports it down). */
const CLUSTER_START_WAIT_MS = 5000;

/**
 * ioredis opens a cluster node's connection at its first command, and while
 * it connects a fail-fast client turns the next commands away to retry them
 * later, out of order: connecting each node as soon as the client learns of it
 * keeps one connection's commands (a chat's publishes) in call order.
 */
async function connectMasters(cluster: Cluster): Promise<void> {
  if (cluster.status !== 'ready') return;
  await Promise.all(cluster.nodes('master').map((node) => (node.status === 'wait' ? node.connect().catch(() => undefined) : undefined)));
}

/**
 * One server: PING. A cluster: every shard's master answers PING, so one
 * shard down (its slots unserved) reads as down even though the others answer.
 */
export async function pingRedis(client: RedisClient): Promise<void> {
  if (client.status !== 'ready') throw unavailable(`Redis is ${client.status}`);
  if (!(client instanceof Cluster)) {
    await client.ping();
    return;
  }
  const owners = new Set<string>();
  for (const nodes of client.slots) if (nodes?.[0]) owners.add(nodes[0]);
  if (owners.size === 0) throw unavailable('Redis Cluster has no slots assigned');
  const masters = new Map(client.nodes('master').map((node) => [`${node.options.host}:${node.options.port}`, node]));
  await Promise.all(
    [...owners].map((owner) => {
      const node = masters.get(owner);
      return node ? node.ping() : Promise.reject(unavailable(`Redis Cluster node ${owner} is unreachable`));
    }),
  );
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

/** The one Redis connection the membership cache, the rate limits and presence share, with the breaker of the first two. */
export interface SharedRedis {
  client: RedisClient;
  breaker: RedisBreaker;
}
