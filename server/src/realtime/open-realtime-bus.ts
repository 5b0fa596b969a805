import type { Config } from '../config/config.js';
import { connectRedis, startRedis } from '../support/redis.js';
import type { Logger } from '../observability/log.js';
import { LocalRealtimeBus } from './local-realtime-bus.js';
import type { RealtimeBus } from './port.js';
import { RedisRealtimeBus } from './redis-realtime-bus.js';
import type { BusMeter } from '../observability/meters.js';

/** REDIS_URL picks Redis; otherwise in-process fan-out. */
export async function openRealtimeBus(config: Config, logger: Logger, meter?: BusMeter): Promise<RealtimeBus> {
  if (!config.redisUrl) return new LocalRealtimeBus(meter);
  const [publisher, subscriber] = await Promise.all([
    startRedis(connectRedis(config.redisUrl, 'publisher', logger)),
    startRedis(connectRedis(config.redisUrl, 'subscriber', logger, 'subscriber')),
  ]);
  return new RedisRealtimeBus(publisher, subscriber, logger, meter);
}
