import type { Logger } from '../observability/log.js';
import type { SharedRedis } from '../support/redis.js';
import { LocalRateLimiter } from './local-rate-limiter.js';
import type { RateLimiter } from './port.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

/** With shared Redis, limits count across instances (failing open while Redis fails); without it, in this process. */
export function openRateLimiter(redis: SharedRedis | null, logger: Logger): RateLimiter {
  return redis ? new RedisRateLimiter(redis.client, logger, redis.breaker) : new LocalRateLimiter();
}
