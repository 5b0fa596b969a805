import type { RateLimit } from '../config/config.js';
import { REDIS_COOLDOWN_MS } from '../config/tuning.js';
import type { Logger } from '../observability/log.js';
import { RedisBreaker, type RedisClient, RedisSkipped } from '../support/redis.js';
import type { RateLimiter, WindowState } from './port.js';

/** One atomic step: count the hit, start the window on the first, report what is left of it. */
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }`;

/** The window as it stands: its count (0 when there is none) and what is left of it (negative when none). */
const PEEK = `
return { tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1]) }`;

/** Takes back one hit; the last one takes the window with it, so the next hit starts a fresh one. */
const UNDO = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 1 then return redis.call('DECR', KEYS[1]) end
redis.call('DEL', KEYS[1])
return 0`;

type WithScripts = RedisClient & {
  parleyRateHit(key: string, windowMs: number): Promise<[number, number]>;
  parleyRatePeek(key: string): Promise<[number, number]>;
  parleyRateUndo(key: string): Promise<number>;
};

const redisKey = (key: string) => `parley:rate:${key}`;

/**
 * Fixed windows in Redis, so a limit holds across every API instance. When
 * Redis is down it fails open: refusing every send because the limiter is
 * unreachable would turn a Redis outage into a chat outage.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: WithScripts;

  constructor(
    redis: RedisClient,
    private readonly logger: Logger,
    private readonly breaker = new RedisBreaker(REDIS_COOLDOWN_MS, logger),
  ) {
    // Commands of the connection: each call sends the script's hash (EVALSHA), not its text.
    redis.defineCommand('parleyRateHit', { numberOfKeys: 1, lua: HIT });
    redis.defineCommand('parleyRatePeek', { numberOfKeys: 1, lua: PEEK });
    redis.defineCommand('parleyRateUndo', { numberOfKeys: 1, lua: UNDO });
    this.redis = redis as WithScripts;
  }

  async hit(key: string, { limit, windowMs }: RateLimit): Promise<number | null> {
    try {
      const [count, ttl] = await this.breaker.run(() => this.redis.parleyRateHit(redisKey(key), windowMs));
      return count <= limit ? null : Math.max(ttl, 1);
    } catch (error) {
      this.failedOpen(error);
      return null;
    }
  }

  async peek(key: string): Promise<WindowState> {
    try {
      const [count, ttl] = await this.breaker.run(() => this.redis.parleyRatePeek(redisKey(key)));
      return count > 0 ? { count, retryMs: Math.max(ttl, 1) } : { count: 0, retryMs: 0 };
    } catch (error) {
      this.failedOpen(error);
      return { count: 0, retryMs: 0 };
    }
  }

  async undo(key: string): Promise<void> {
    try {
      await this.breaker.run(() => this.redis.parleyRateUndo(redisKey(key)));
    } catch (error) {
      this.failedOpen(error);
    }
  }

  /** While the breaker skips Redis, nothing is logged: the breaker said so once. */
  private failedOpen(error: unknown): void {
    if (error instanceof RedisSkipped) return;
    this.logger.warn({ err: error }, 'rate limiter unavailable, allowing the request');
  }
}
