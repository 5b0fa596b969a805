import type { Redis } from 'ioredis';
import type { RateLimit } from '../config/config.js';
import { errorFields, type Logger } from '../support/logger.js';
import { DEFAULT_COOLDOWN_MS, RedisBreaker, RedisSkipped } from '../support/redis.js';
import type { RateLimiter } from './port.js';

/** One atomic step: count the hit, start the window on the first, report what is left of it. */
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }`;

/**
 * Fixed windows in Redis, so a limit holds across every API instance. When
 * Redis is down it fails open: refusing every send because the limiter is
 * unreachable would turn a Redis outage into a chat outage.
 */
type WithHit = Redis & { parleyRateHit(key: string, windowMs: number): Promise<[number, number]> };

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: WithHit;

  constructor(
    redis: Redis,
    private readonly logger: Logger,
    private readonly breaker = new RedisBreaker(DEFAULT_COOLDOWN_MS, logger),
  ) {
    // A command of the connection: each hit sends the script's hash (EVALSHA), not its text.
    redis.defineCommand('parleyRateHit', { numberOfKeys: 1, lua: HIT });
    this.redis = redis as WithHit;
  }

  async hit(key: string, { limit, windowMs }: RateLimit): Promise<number | null> {
    try {
      const [count, ttl] = await this.breaker.run(() => this.redis.parleyRateHit(`parley:rate:${key}`, windowMs));
      return count <= limit ? null : Math.max(ttl, 1);
    } catch (error) {
      if (!(error instanceof RedisSkipped)) this.logger.warn('rate limiter unavailable, allowing the request', errorFields(error));
      return null;
    }
  }
}
