import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalPresenceRegistry } from '../../src/presence/local-presence-registry.js';
import type { PresenceRegistry } from '../../src/presence/port.js';
import { RedisPresenceRegistry } from '../../src/presence/redis-presence-registry.js';
import { withEngineFailuresUnavailable } from '../../src/support/engine-failure.js';
import { silentLogger } from '../../src/observability/log.js';
import { connectRedis, startRedis, type RedisClient } from '../../src/support/redis.js';
import type { Cluster } from 'ioredis';
import { clusterKeys, clusterSkipReason, redisClusterForSuite } from '../support/redis-cluster.js';
import { DisposableRedis, redisClients, redisSkipReason } from '../support/redis.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function presenceRegistryContract(name: string, make: () => Promise<PresenceRegistry>) {
  describe(`PresenceRegistry contract: ${name}`, () => {
    it('turns a user online at their arrival and offline at their departure, each once, versions rising', async () => {
      const registry = await make();
      await registry.beat(30_000);
      const [ada, bob] = [randomUUID(), randomUUID()];
      const at = new Date();
      const arrived = await registry.arrive(ada, at);
      expect(arrived).toMatchObject({ userId: ada, online: true, at });
      expect(await registry.arrive(ada, at)).toBeNull();
      expect(await registry.online([ada, bob])).toEqual(new Set([ada]));
      const left = new Date(at.getTime() + 1000);
      const departed = await registry.depart(ada, left);
      expect(departed).toMatchObject({ userId: ada, online: false, at: left });
      expect(departed!.version).toBeGreaterThan(arrived!.version);
      expect(await registry.depart(ada, left)).toBeNull();
      expect(await registry.online([ada])).toEqual(new Set());
      expect(await registry.online([])).toEqual(new Set());
    });
  });
}

presenceRegistryContract('local', async () => new LocalPresenceRegistry());

describe('LocalPresenceRegistry', () => {
  it('takes everyone it holds offline when the process leaves (there is no other instance)', async () => {
    const registry = new LocalPresenceRegistry();
    const users = [randomUUID(), randomUUID()];
    for (const user of users) await registry.arrive(user, new Date());
    const at = new Date();
    const changes = await registry.leave(users, 5000, at);
    expect(changes.map((c) => [c.userId, c.online, c.at])).toEqual(users.map((u) => [u, false, at]));
    expect(await registry.online(users)).toEqual(new Set());
  });
});

/** What the Redis suite needs of a deployment's Redis: clients as the app makes them, and the keys under a pattern. */
interface PresenceRedis {
  connect: () => Promise<RedisClient>;
  keys: (client: RedisClient, pattern: string) => Promise<string[]>;
}

const singleRedis = (): PresenceRedis => {
  const { connect } = redisClients();
  return { connect, keys: (client, pattern) => client.keys(pattern) };
};

const clusterRedis = (): PresenceRedis => {
  const redis = redisClusterForSuite();
  return { connect: () => redis.connect(), keys: (client, pattern) => clusterKeys(client as Cluster, pattern) };
};

(redisSkipReason ? describe.skip : describe)('Redis presence registry', () => redisPresenceSuite(singleRedis, true));

if (clusterSkipReason) describe.skip(`Redis presence registry on a Redis Cluster: skipped, ${clusterSkipReason}`, () => it.skip('contract'));
// Every key of a deployment shares the {presence} hash tag: one slot, so every script (the sweep's user keys included) runs on one node.
else describe('Redis presence registry on a Redis Cluster', () => redisPresenceSuite(clusterRedis, false));

function redisPresenceSuite(redisOf: () => PresenceRedis, singleNode: boolean) {
  const { connect, keys: keysOf } = redisOf();
  /** Instances of one deployment: their own keys, so other suites' instances never sweep these. */
  const prefixes: string[] = [];
  afterAll(async () => {
    const redis = await connect();
    for (const prefix of prefixes) {
      const keys = await keysOf(redis, `${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  });
  const deployment = () => {
    const prefix = `parley:{presence-test-${randomUUID()}}:`;
    prefixes.push(prefix);
    return async (): Promise<PresenceRegistry> => new RedisPresenceRegistry(await connect(), prefix);
  };

  presenceRegistryContract('redis', deployment());

  it('keeps a user online while any instance holds them, and announces each change once', async () => {
    const instance = deployment();
    const [a, b] = [await instance(), await instance()];
    await Promise.all([a.beat(30_000), b.beat(30_000)]);
    const user = randomUUID();
    expect(await a.arrive(user, new Date())).toMatchObject({ online: true });
    expect(await b.arrive(user, new Date())).toBeNull();
    expect(await a.depart(user, new Date())).toBeNull();
    expect(await b.online([user])).toEqual(new Set([user]));
    expect(await b.depart(user, new Date())).toMatchObject({ online: false });
    expect(await a.online([user])).toEqual(new Set());
  });

  it('takes the users of an instance that stopped beating offline at another’s beat, last seen at its last beat', async () => {
    const instance = deployment();
    const [dead, alive] = [await instance(), await instance()];
    await alive.beat(30_000);
    const both = randomUUID();
    const onlyDead = Array.from({ length: 3 }, () => randomUUID());
    for (const user of [both, ...onlyDead]) await dead.arrive(user, new Date());
    await alive.arrive(both, new Date());
    const beforeLastBeat = Date.now();
    await dead.beat(200);
    expect((await alive.beat(30_000)).changes).toEqual([]);
    await pause(300);
    const { changes } = await alive.beat(30_000);
    expect(changes.map((c) => c.userId).sort()).toEqual([...onlyDead].sort());
    for (const change of changes) {
      expect(change.online).toBe(false);
      expect(change.at.getTime()).toBeGreaterThanOrEqual(beforeLastBeat - 50);
      expect(change.at.getTime()).toBeLessThanOrEqual(beforeLastBeat + 250);
    }
    expect(await alive.online([both, ...onlyDead])).toEqual(new Set([both]));
    // Swept once: the next beat finds nothing.
    expect((await alive.beat(30_000)).changes).toEqual([]);
    // The dead instance wakes up (a long pause): it learns it was swept, and its users arrive again.
    expect((await dead.beat(30_000)).lost).toBe(true);
    expect(await dead.arrive(onlyDead[0]!, new Date())).toMatchObject({ online: true });
  });

  it('takes a user who is back elsewhere within the grace nowhere offline when their instance leaves', async () => {
    const instance = deployment();
    const [leaving, other] = [await instance(), await instance()];
    await Promise.all([leaving.beat(30_000), other.beat(30_000)]);
    const [moved, gone] = [randomUUID(), randomUUID()];
    await leaving.arrive(moved, new Date());
    await leaving.arrive(gone, new Date());
    expect(await leaving.leave([moved, gone], 200, new Date())).toEqual([]);
    expect(await other.arrive(moved, new Date())).toBeNull();
    expect((await other.beat(30_000)).changes).toEqual([]);
    await pause(300);
    const { changes } = await other.beat(30_000);
    expect(changes.map((c) => [c.userId, c.online])).toEqual([[gone, false]]);
    expect(await other.online([moved, gone])).toEqual(new Set([moved]));
  });

  it('keeps versions rising after Redis lost its data (a restart without persistence): no later change looks overtaken', async () => {
    const instance = deployment();
    const registry = await instance();
    await registry.beat(30_000);
    const user = randomUUID();
    await registry.arrive(user, new Date());
    const before = await registry.depart(user, new Date());
    // Redis restarts empty: every key of the deployment is gone, the version counter with them.
    const redis = await connect();
    const prefix = prefixes.at(-1)!;
    const keys = await keysOf(redis, `${prefix}*`);
    await redis.del(...keys);
    expect((await registry.beat(30_000)).lost).toBe(true);
    const after = await registry.arrive(user, new Date());
    // Instances remember the last version seen per user and drop any change not above it.
    expect(after!.version).toBeGreaterThan(before!.version);
  });

  (singleNode ? it : it.skip)('answers UNAVAILABLE, wrapped as the app wraps it, while Redis is hung or down (never an internal error)', async () => {
    const own = await DisposableRedis.start();
    const client = await startRedis(connectRedis(own.url, 'test', silentLogger, 'commands', 200));
    try {
      const registry = withEngineFailuresUnavailable(new RedisPresenceRegistry(client, `parley:{presence-test-${randomUUID()}}:`));
      expect(await registry.online(['someone'])).toEqual(new Set());
      await own.hang(1000);
      await expect(registry.online(['someone'])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await own.stop();
      await pause(100);
      await expect(registry.online(['someone'])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(registry.arrive('someone', new Date())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      client.disconnect();
      await own.stop();
    }
  });

  it('sweeps an instance holding more users than one script run takes', async () => {
    const instance = deployment();
    const [dead, alive] = [await instance(), await instance()];
    const users = Array.from({ length: 1200 }, () => randomUUID());
    await Promise.all(users.map((user) => dead.arrive(user, new Date())));
    await dead.beat(100);
    await pause(200);
    const { changes } = await alive.beat(30_000);
    expect(new Set(changes.map((c) => c.userId))).toEqual(new Set(users));
    expect(new Set(changes.map((c) => c.version)).size).toBe(users.length);
  });
}
