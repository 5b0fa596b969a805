import type { Cluster, Redis } from 'ioredis';
import { redisTargetOf, type Config, type RedisTarget } from '../config/config.js';
import { connectRedis, lastRedisError, startRedis } from '../support/redis.js';
import type { Logger } from '../observability/log.js';
import { LocalRealtimeBus } from './local-realtime-bus.js';
import type { RealtimeBus } from './port.js';
import { RedisRealtimeBus } from './redis-realtime-bus.js';
import { ShardedRealtimeBus } from './sharded-realtime-bus.js';
import type { BusMeter } from '../observability/meters.js';

/** REDIS_URL picks Redis pub/sub, REDIS_CLUSTER_NODES a cluster's sharded pub/sub; otherwise in-process fan-out. */
export async function openRealtimeBus(config: Config, logger: Logger, meter?: BusMeter): Promise<RealtimeBus> {
  const target = redisTargetOf(config);
  if (!target) return new LocalRealtimeBus(meter);
  const [publisher, subscriber] = await Promise.all([
    startRedis(connectRedis(target, 'publisher', logger)),
    startRedis(connectRedis(target, 'subscriber', logger, 'subscriber')),
  ]);
  // Start-up needs the bus (bot sessions listen on it at once): without it, say which setting and why,
  // rather than the "retry shortly" a client would get.
  if (subscriber.status !== 'ready') {
    const cause = lastRedisError(subscriber) ?? lastRedisError(publisher);
    publisher.disconnect();
    subscriber.disconnect();
    throw new Error(`${describeTarget(target)} did not answer: ${cause?.message ?? `the connection is ${subscriber.status}`}${hintFor(target, cause)}`, { cause });
  }
  return 'url' in target
    ? new RedisRealtimeBus(publisher as Redis, subscriber as Redis, logger, meter)
    : new ShardedRealtimeBus(publisher as Cluster, subscriber as Cluster, logger, meter);
}

/** The setting and where it points, without a password. */
function describeTarget(target: RedisTarget): string {
  if ('url' in target) return `REDIS_URL: Redis at ${target.url.replace(/\/\/([^@/]*)@/, (_, credentials: string) => `//${credentials.includes(':') ? `${credentials.slice(0, credentials.indexOf(':'))}:***` : '***'}@`)}`;
  return `REDIS_CLUSTER_NODES: the Redis Cluster at ${target.clusterNodes.map((n) => (n.host.includes(':') ? `[${n.host}]:${n.port}` : `${n.host}:${n.port}`)).join(',')}`;
}

/**
 * Mistakes the answer points at: one Redis (not in cluster mode) given as a
 * cluster, or a TLS-only cluster reached without TLS (it closes the plain
 * connection without a word, as a node that is not there does).
 */
function hintFor(target: RedisTarget, cause: Error | undefined): string {
  if ('url' in target) return '';
  const said = cause?.message ?? '';
  if (/cluster support disabled/i.test(said)) return ' (REDIS_CLUSTER_NODES is for a Redis Cluster; one Redis goes in REDIS_URL)';
  // Nothing listening reads the same: the address comes first.
  if (!target.tls && /connection is closed/i.test(said)) return ' (check the addresses; if the cluster speaks TLS only, set REDIS_CLUSTER_TLS=on)';
  return '';
}
