import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Announcer } from '../../src/domain/announcer.js';
import { PresenceFeed } from '../../src/domain/presence-feed.js';
import { PresenceService } from '../../src/domain/presence-service.js';
import { LocalPresenceRegistry } from '../../src/presence/local-presence-registry.js';
import { RedisPresenceRegistry } from '../../src/presence/redis-presence-registry.js';
import { presenceChannel } from '../../src/realtime/events.js';
import { LocalRealtimeBus } from '../../src/realtime/local-realtime-bus.js';
import { silentLogger } from '../../src/observability/log.js';
import { recordingLogger } from '../support/log-lines.js';
import { redisClients, redisSkipReason } from '../support/redis.js';
import { until } from '../support/until.js';

/** A presence service that beats every 100 ms and never lets a grace end during a test: what re-arrival passes are seen on. */
const heldByOneInstance = (registry: RedisPresenceRegistry, bus: LocalRealtimeBus, logger = silentLogger) =>
  new PresenceService(
    registry,
    { recordLastSeen: async () => undefined, lastSeenVisibleTo: async () => new Map() },
    { chatIdsOfUsers: async (userIds) => new Map(userIds.map((id) => [id, []])) },
    new Announcer(bus, 1000, silentLogger),
    new PresenceFeed(bus, async () => [], silentLogger),
    { graceMs: 60_000, heartbeatMs: 100 },
    logger,
  );

(redisSkipReason ? describe.skip : describe)('PresenceService on Redis', () => {
  const { connect } = redisClients();
  const prefix = `parley:{presence-test-${randomUUID()}}:`;
  afterAll(async () => {
    const redis = await connect();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  });

  it('still takes a user offline whose last socket closed just before Redis lost its data', async () => {
    const redis = await connect();
    const bus = new LocalRealtimeBus();
    const seen: string[] = [];
    const lastSeen: string[] = [];
    const changes = await bus.subscribe(presenceChannel());
    void (async () => {
      for await (const change of changes) seen.push(change.online ? 'ONLINE' : 'OFFLINE');
    })();
    const service = new PresenceService(
      new RedisPresenceRegistry(redis, prefix),
      { recordLastSeen: async (seen) => void lastSeen.push(...seen.map((s) => s.userId)), lastSeenVisibleTo: async () => new Map() },
      { chatIdsOfUsers: async (userIds) => new Map(userIds.map((id) => [id, []])) },
      new Announcer(bus, 1000, silentLogger),
      new PresenceFeed(bus, async () => [], silentLogger),
      { graceMs: 600, heartbeatMs: 100 },
      silentLogger,
    );
    await service.start();
    try {
      const user = randomUUID();
      service.connected(user);
      await until(() => seen.length === 1);
      // The last socket closes; within the grace Redis restarts empty.
      service.disconnected(user);
      const keys = await redis.keys(`${prefix}*`);
      await redis.del(...keys);
      // Arriving again with the instance's other users may repeat ONLINE; what matters is that OFFLINE comes.
      await until(() => seen.includes('OFFLINE'), 3000);
      expect(seen.at(-1)).toBe('OFFLINE');
      expect(lastSeen).toEqual([user]);
    } finally {
      await service.close();
      await bus.close();
    }
  });
  it('registers its users again after Redis lost them in bounded batches, with one line for a failed pass', async () => {
    const redis = await connect();
    const bus = new LocalRealtimeBus();
    // Keys of its own: no other test's instance beats or leaves in them.
    const ownPrefix = `parley:{presence-test-${randomUUID()}}:`;
    const registry = new RedisPresenceRegistry(redis, ownPrefix);
    // The real registry, watched: how many arrivals are in flight at once, and whether they fail.
    let inFlight = 0;
    let mostInFlight = 0;
    let failArrivals = false;
    const watched: typeof registry = Object.create(registry);
    watched.arrive = async (userId, at) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      try {
        if (failArrivals) throw new Error('Command timed out');
        return await registry.arrive(userId, at);
      } finally {
        inFlight--;
      }
    };
    const { logger, lines } = recordingLogger('warn');
    const service = heldByOneInstance(watched, bus, logger);
    await service.start();
    try {
      const users = Array.from({ length: 1_200 }, () => randomUUID());
      for (const user of users) service.connected(user);
      await until(async () => (await registry.online(users)).size === users.length, 10_000);

      // Redis loses everything: the next beat finds this instance gone, and every user must arrive again.
      failArrivals = true;
      mostInFlight = 0;
      await redis.del(...(await redis.keys(`${ownPrefix}*`)));
      await until(() => lines.some((line) => line.msg.includes('arrivals not recorded')), 10_000);
      // Failing, the whole pass is one line (not 1,200), and it comes back at the next beats.
      expect(lines.filter((line) => line.msg.includes('arrivals not recorded'))[0].msg).toContain(`1200 of 1200`);
      expect(lines.filter((line) => /arrival/.test(line.msg)).length).toBeLessThan(20);
      expect(mostInFlight).toBeLessThanOrEqual(500);

      failArrivals = false;
      await until(async () => (await registry.online(users)).size === users.length, 10_000);
      expect(mostInFlight).toBeLessThanOrEqual(500);
      expect(mostInFlight).toBeGreaterThan(1);
    } finally {
      await service.close();
      await bus.close();
      const keys = await redis.keys(`${ownPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  });
  it('registers its users again when Redis loses them a second time while they are arriving again', async () => {
    const redis = await connect();
    const bus = new LocalRealtimeBus();
    const ownPrefix = `parley:{presence-test-${randomUUID()}}:`;
    const registry = new RedisPresenceRegistry(redis, ownPrefix);
    // Arrivals past the first batch of a pass wait for `release`: the pass is held in its middle.
    let holding = false;
    let arrivalsWhileHolding = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const watched: typeof registry = Object.create(registry);
    watched.arrive = async (userId, at) => {
      if (holding && ++arrivalsWhileHolding > 500) await released;
      return registry.arrive(userId, at);
    };
    const service = heldByOneInstance(watched, bus);
    await service.start();
    try {
      const users = Array.from({ length: 1_000 }, () => randomUUID());
      for (const user of users) service.connected(user);
      await until(async () => (await registry.online(users)).size === users.length, 10_000);

      // Redis loses everything; the pass that follows registers its first batch and waits in the second.
      holding = true;
      await redis.del(...(await redis.keys(`${ownPrefix}*`)));
      await until(async () => arrivalsWhileHolding > 500 && (await registry.online(users)).size === 500, 10_000);
      // Redis loses everything again, the first batch with it; a beat finds the instance gone while the pass still runs.
      await redis.del(...(await redis.keys(`${ownPrefix}*`)));
      await until(async () => (await redis.keys(`${ownPrefix}*`)).length > 0, 3_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      release();
      // Every held user is online again: the loss seen during the pass was not dropped.
      await until(async () => (await registry.online(users)).size === users.length, 3_000);
    } finally {
      release();
      await service.close();
      await bus.close();
      const keys = await redis.keys(`${ownPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  });
});

describe('PresenceService, embedded', () => {
  it('takes users whose graces end together offline with one last-seen write and one read of their chats', async () => {
    const bus = new LocalRealtimeBus();
    const writes: number[] = [];
    const reads: number[] = [];
    const offline: string[] = [];
    const changes = await bus.subscribe(presenceChannel());
    void (async () => {
      for await (const change of changes) if (!change.online) offline.push(change.userId);
    })();
    const service = new PresenceService(
      new LocalPresenceRegistry(),
      { recordLastSeen: async (seen) => void writes.push(seen.length), lastSeenVisibleTo: async () => new Map() },
      { chatIdsOfUsers: async (userIds) => (reads.push(userIds.length), new Map(userIds.map((id) => [id, []]))) },
      new Announcer(bus, 1000, silentLogger),
      new PresenceFeed(bus, async () => [], silentLogger),
      { graceMs: 100, heartbeatMs: 1000 },
      silentLogger,
    );
    await service.start();
    try {
      const users = Array.from({ length: 200 }, () => randomUUID());
      for (const user of users) service.connected(user);
      await until(() => reads.reduce((a, b) => a + b, 0) === 200);
      reads.length = 0;
      for (const user of users) service.disconnected(user);
      await until(() => offline.length === 200, 3000);
      expect(writes).toEqual([200]);
      expect(reads).toEqual([200]);
    } finally {
      await service.close();
      await bus.close();
    }
  });

});
