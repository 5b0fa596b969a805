import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeMessages, TestServer } from '../support/server.js';
import { DisposableRedis, redisClients, redisSkipReason } from '../support/redis.js';
import { relationalTargets } from '../support/targets.js';
import { directChat, send, signup } from '../support/users.js';
import { until } from '../support/until.js';

/*
 * Redis hung rather than down: connected, but not answering. `CLIENT PAUSE
 * WRITE` on a private redis-server (never the machine's shared one) holds
 * every script (membership, rate limits) and every PUBLISH, while reads and
 * SUBSCRIBE still work. Membership must fall back to the database after one
 * short timeout, and Redis be skipped for a while instead of every request
 * waiting for its own timeout.
 */

const suite = redisSkipReason ? describe.skip : describe;

/** Scripts Redis has run since the last CONFIG RESETSTAT (membership and rate-limit commands are scripts). */
async function scriptCalls(admin: Redis): Promise<number> {
  const stats = await admin.info('commandstats');
  return [...stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

suite.each(relationalTargets)('a hung Redis on $name', (target) => {
  let redis: DisposableRedis;
  let server: TestServer;
  let admin: Redis;
  const clients = redisClients();

  beforeAll(async () => {
    redis = await DisposableRedis.start();
    admin = await clients.connect(redis.url);
    server = await TestServer.start(target, {
      REDIS_URL: redis.url,
      SEND_RATE_LIMIT: '100/10s',
      REDIS_COMMAND_TIMEOUT_MS: '300',
      // Longer than the test: once skipped, Redis stays skipped until it is over.
      REDIS_COOLDOWN_MS: '600000',
      LIVE_CHECK_INTERVAL_MS: '200',
    });
  });
  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
  });

  it('keeps sends, history and subscriptions working from the database, asking Redis once', async () => {
    const [ada, bob] = [await signup(server), await signup(server)];
    const chatId = await directChat(server, ada, bob);
    await send(server, ada, chatId, 'before');
    const ws = server.wsClient(bob.token);
    const live = subscribeMessages(ws, chatId, 0);
    let resumed: ReturnType<typeof subscribeMessages> | null = null;
    try {
      expect((await live.waitFor(1)).map((m) => m.seq)).toEqual([1]);

      await admin.config('RESETSTAT');
      await admin.call('CLIENT', 'PAUSE', '600000', 'WRITE');
      try {
        for (let i = 1; i <= 3; i++) await send(server, ada, chatId, `during ${i}`);
        const history = await server.ok(`query ($c: ID!) { messages(chatId: $c, last: 10) { edges { node { seq } } } }`, { c: chatId }, bob.token);
        expect(history.messages.edges.map((e: any) => e.node.seq)).toEqual([1, 2, 3, 4]);
        resumed = subscribeMessages(ws, chatId, 0);
        expect((await resumed.waitFor(4)).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
        // Their publishes are held by Redis: the live check brings them from the store.
        expect((await live.waitFor(4)).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
      } finally {
        await admin.call('CLIENT', 'UNPAUSE');
      }

      // The held commands run now. Only the first membership check was sent to Redis;
      // every later one, and every rate-limit hit, went straight to its fallback.
      let settled = -1;
      await until(async () => {
        const calls = await scriptCalls(admin);
        const same = calls === settled;
        settled = calls;
        return same;
      });
      expect(settled).toBeLessThanOrEqual(1);

      await send(server, ada, chatId, 'after');
      expect((await live.waitFor(5)).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    } finally {
      live.close();
      resumed?.close();
      await ws.dispose();
    }
  });

  it('answers a new subscription UNAVAILABLE instead of hanging while Redis answers nothing at all', async () => {
    const [ada, bob] = [await signup(server), await signup(server)];
    const chatId = await directChat(server, ada, bob);
    await send(server, ada, chatId, 'before');
    const ws = server.wsClient(bob.token);
    const PAUSE_MS = 8000;
    // ALL holds every command, SUBSCRIBE included, and cannot be lifted early: it runs out on its own.
    await admin.call('CLIENT', 'PAUSE', String(PAUSE_MS), 'ALL');
    const pausedUntil = Date.now() + PAUSE_MS;
    const during = subscribeMessages(ws, chatId, 0);
    let after: ReturnType<typeof subscribeMessages> | null = null;
    try {
      expect(JSON.stringify(await during.waitForError(PAUSE_MS - 1000))).toContain('UNAVAILABLE');
      await new Promise((r) => setTimeout(r, Math.max(0, pausedUntil - Date.now()) + 200));
      after = subscribeMessages(ws, chatId, 0);
      expect((await after.waitFor(1)).map((m) => m.body)).toEqual(['before']);
    } finally {
      during.close();
      after?.close();
      await ws.dispose();
    }
  });
});
