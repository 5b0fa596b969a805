import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LocalRateLimiter } from '../../src/rate-limit/local-rate-limiter.js';
import type { RateLimiter } from '../../src/rate-limit/port.js';
import { RedisRateLimiter } from '../../src/rate-limit/redis-rate-limiter.js';
import { silentLogger } from '../../src/observability/log.js';
import { redisClients, redisSkipReason } from '../support/redis.js';
import { clusterSkipReason, redisClusterForSuite } from '../support/redis-cluster.js';

function rateLimiterContract(name: string, make: () => Promise<RateLimiter>) {
  describe(`RateLimiter contract: ${name}`, () => {
    it('allows up to the limit within a window, then reports how long until the window ends', async () => {
      const limiter = await make();
      const key = randomUUID();
      const window = { limit: 3, windowMs: 2000 };
      expect([await limiter.hit(key, window), await limiter.hit(key, window), await limiter.hit(key, window)]).toEqual([null, null, null]);
      const retry = await limiter.hit(key, window);
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(2000);
      expect(await limiter.hit(randomUUID(), window)).toBeNull();
    });

    it('peeks at a window without counting', async () => {
      const limiter = await make();
      const key = randomUUID();
      const window = { limit: 2, windowMs: 2000 };
      expect(await limiter.peek(key)).toEqual({ count: 0, retryMs: 0 });
      await limiter.hit(key, window);
      for (let i = 0; i < 3; i++) {
        const state = await limiter.peek(key);
        expect(state.count).toBe(1);
        expect(state.retryMs).toBeGreaterThan(0);
        expect(state.retryMs).toBeLessThanOrEqual(2000);
      }
      expect(await limiter.hit(key, window)).toBeNull();
      expect((await limiter.peek(key)).count).toBe(2);
    });

    it('takes back a hit with undo, never below zero; taking back the last ends the window', async () => {
      const limiter = await make();
      const key = randomUUID();
      const window = { limit: 2, windowMs: 2000 };
      await limiter.hit(key, window);
      await limiter.hit(key, window);
      expect(await limiter.hit(key, window)).not.toBeNull();
      await limiter.undo(key);
      await limiter.undo(key);
      expect((await limiter.peek(key)).count).toBe(1);
      expect(await limiter.hit(key, window)).toBeNull();
      for (let i = 0; i < 3; i++) await limiter.undo(key);
      expect(await limiter.peek(key)).toEqual({ count: 0, retryMs: 0 });
      await limiter.undo(randomUUID());
      expect([await limiter.hit(key, window), await limiter.hit(key, window), await limiter.hit(key, window) !== null]).toEqual([null, null, true]);
    });

    it('opens a new window once the old one ends', async () => {
      const limiter = await make();
      const key = randomUUID();
      const window = { limit: 1, windowMs: 150 };
      expect(await limiter.hit(key, window)).toBeNull();
      expect(await limiter.hit(key, window)).not.toBeNull();
      await new Promise((r) => setTimeout(r, 200));
      expect(await limiter.hit(key, window)).toBeNull();
    });
  });
}

rateLimiterContract('local', async () => new LocalRateLimiter());

if (redisSkipReason) {
  describe.skip(`redis rate limiter: skipped, ${redisSkipReason}`, () => it.skip('contract'));
} else {
  const { connect, dead: deadRedis } = redisClients();
  rateLimiterContract('redis', async () => new RedisRateLimiter(await connect(), silentLogger));

  describe('RedisRateLimiter', () => {
    it('holds one limit across limiters on separate connections (separate instances)', async () => {
      const a = new RedisRateLimiter(await connect(), silentLogger);
      const b = new RedisRateLimiter(await connect(), silentLogger);
      const key = randomUUID();
      const window = { limit: 2, windowMs: 5000 };
      expect(await a.hit(key, window)).toBeNull();
      expect(await b.hit(key, window)).toBeNull();
      expect(await a.hit(key, window)).not.toBeNull();
      expect(await b.hit(key, window)).not.toBeNull();
    });

    it('fails open when Redis cannot be reached', async () => {
      const dead = deadRedis();
      const limiter = new RedisRateLimiter(dead, silentLogger);
      expect(await limiter.hit(randomUUID(), { limit: 1, windowMs: 1000 })).toBeNull();
      expect(await limiter.peek(randomUUID())).toEqual({ count: 0, retryMs: 0 });
      await expect(limiter.undo(randomUUID())).resolves.toBeUndefined();
    });
  });
}

if (clusterSkipReason) {
  describe.skip(`redis cluster rate limiter: skipped, ${clusterSkipReason}`, () => it.skip('contract'));
} else {
  describe('on a Redis Cluster', () => {
    const redis = redisClusterForSuite();
    // Each script touches one key (one window): any slot will do, so keys carry no hash tag.
    rateLimiterContract('redis cluster', async () => new RedisRateLimiter(await redis.connect(), silentLogger));

    it('holds one limit across limiters on separate cluster connections', async () => {
      const [a, b] = [new RedisRateLimiter(await redis.connect(), silentLogger), new RedisRateLimiter(await redis.connect(), silentLogger)];
      const window = { limit: 2, windowMs: 5000 };
      for (const key of Array.from({ length: 10 }, () => randomUUID())) {
        expect([await a.hit(key, window), await b.hit(key, window)]).toEqual([null, null]);
        expect(await a.hit(key, window)).not.toBeNull();
      }
    });
  });
}
