import type { Cluster, Redis } from 'ioredis';
import { redisTargetOf, type Config } from '../config/config.js';
import { connectRedis, startRedis } from '../support/redis.js';
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
  return 'url' in target
    ? new RedisRealtimeBus(publisher as Redis, subscriber as Redis, logger, meter)
    : new ShardedRealtimeBus(publisher as Cluster, subscriber as Cluster, logger, meter);
}
