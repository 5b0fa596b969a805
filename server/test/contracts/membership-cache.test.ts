import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LocalMembershipCache } from '../../src/membership/local-membership-cache.js';
import type { MemberSource, MembershipCache } from '../../src/membership/port.js';
import { UncachedMembership } from '../../src/membership/uncached-membership.js';
import { FILL_CHUNK, RedisMembershipCache } from '../../src/membership/redis-membership-cache.js';
import { silentLogger } from '../../src/observability/log.js';
import { Command, type Redis } from 'ioredis';
import { connectRedis, RedisBreaker, startRedis } from '../../src/support/redis.js';
import { DisposableRedis, redisClients, redisSkipReason } from '../support/redis.js';
import { clusterSkipReason, redisClusterForSuite } from '../support/redis-cluster.js';

/** A stand-in for the members table, counting how often it is asked for a member list and for one membership. */
class MembersTable implements MemberSource {
  chats = new Map<string, Set<string>>();
  loads = 0;
  checks = 0;
  /** While set, a read takes its snapshot, then waits for release before answering (a slow database). */
  private held: { started: () => void; release: Promise<void> } | null = null;

  membersOf = async (chatId: string): Promise<string[] | null> => {
    this.loads++;
    return this.read(chatId);
  };

  isMember = async (chatId: string, userId: string): Promise<boolean | null> => {
    this.checks++;
    const members = await this.read(chatId);
    return members === null ? null : members.includes(userId);
  };

  private async read(chatId: string): Promise<string[] | null> {
    const members = this.chats.get(chatId);
    const snapshot = members ? [...members] : null;
    const held = this.held;
    if (held) {
      held.started();
      await held.release;
    }
    return snapshot;
  }

  /** Holds the next loads back; resolves `loadStarted` once one has read its snapshot. */
  hold(): { loadStarted: Promise<void>; release: () => void } {
    let started!: () => void;
    let release!: () => void;
    const loadStarted = new Promise<void>((resolve) => (started = resolve));
    this.held = { started, release: new Promise<void>((resolve) => (release = resolve)) };
    return {
      loadStarted,
      release: () => {
        this.held = null;
        release();
      },
    };
  }
}

function membershipContract(name: string, make: (table: MembersTable) => Promise<MembershipCache>) {
  describe(`MembershipCache contract: ${name}`, () => {
    it('answers members, non-members and missing chats', async () => {
      const table = new MembersTable();
      const cache = await make(table);
      const [chat, ada, bob] = [randomUUID(), randomUUID(), randomUUID()];
      table.chats.set(chat, new Set([ada]));
      expect(await cache.isMember(chat, ada)).toBe(true);
      expect(await cache.isMember(chat, bob)).toBe(false);
      expect(await cache.isMember(randomUUID(), ada)).toBeNull();
    });

    it('is never stale after a removal is invalidated', async () => {
      const table = new MembersTable();
      const cache = await make(table);
      const [chat, ada, bob] = [randomUUID(), randomUUID(), randomUUID()];
      table.chats.set(chat, new Set([ada, bob]));
      expect(await cache.isMember(chat, bob)).toBe(true);
      table.chats.get(chat)!.delete(bob);
      await cache.invalidate(chat);
      expect(await cache.isMember(chat, bob)).toBe(false);
      expect(await cache.isMember(chat, ada)).toBe(true);
    });

    it('drops a load that read the members before a removal it finishes after', async () => {
      const table = new MembersTable();
      const cache = await make(table);
      const [chat, ada, bob] = [randomUUID(), randomUUID(), randomUUID()];
      table.chats.set(chat, new Set([ada, bob]));
      const slow = table.hold();
      const stale = cache.isMember(chat, bob);
      await slow.loadStarted;
      table.chats.get(chat)!.delete(bob);
      await cache.invalidate(chat);
      slow.release();
      expect(await stale).toBe(true); // it answered from its snapshot...
      expect(await cache.isMember(chat, bob)).toBe(false); // ...but did not poison the cache
    });

    it('does not remember a missing chat once it exists', async () => {
      const table = new MembersTable();
      const cache = await make(table);
      const [chat, ada] = [randomUUID(), randomUUID()];
      expect(await cache.isMember(chat, ada)).toBeNull();
      table.chats.set(chat, new Set([ada]));
      expect(await cache.isMember(chat, ada)).toBe(true);
    });

    it('tells an emptied chat from an unknown one', async () => {
      const table = new MembersTable();
      const cache = await make(table);
      const [chat, ada] = [randomUUID(), randomUUID()];
      table.chats.set(chat, new Set());
      expect(await cache.isMember(chat, ada)).toBe(false);
      expect(await cache.isMember(chat, ada)).toBe(false);
    });
  });
}

membershipContract('uncached', async (table) => new UncachedMembership(table));
membershipContract('local (embedded)', async (table) => new LocalMembershipCache(table));

describe('UncachedMembership', () => {
  it('looks up the one membership asked about at every check, never the member list', async () => {
    const table = new MembersTable();
    const cache = new UncachedMembership(table);
    const [chat, ada] = [randomUUID(), randomUUID()];
    table.chats.set(chat, new Set([ada, ...Array.from({ length: 1000 }, () => randomUUID())]));
    for (let i = 0; i < 3; i++) expect(await cache.isMember(chat, ada)).toBe(true);
    expect([table.checks, table.loads]).toEqual([3, 0]);
  });
});

describe('LocalMembershipCache', () => {
  it('serves repeated checks from memory', async () => {
    const table = new MembersTable();
    const cache = new LocalMembershipCache(table);
    const [chat, ada, bob] = [randomUUID(), randomUUID(), randomUUID()];
    table.chats.set(chat, new Set([ada]));
    for (let i = 0; i < 5; i++) expect(await cache.isMember(chat, ada)).toBe(true);
    expect(await cache.isMember(chat, bob)).toBe(false);
    expect(table.loads).toBe(1);
  });

  it('keeps the most recently used chats, up to its bound', async () => {
    const table = new MembersTable();
    const cache = new LocalMembershipCache(table, 2);
    const [a, b, c, ada] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    for (const chat of [a, b, c]) table.chats.set(chat, new Set([ada]));
    await cache.isMember(a, ada);
    await cache.isMember(b, ada);
    await cache.isMember(a, ada); // a is now the most recent: c evicts b
    await cache.isMember(c, ada);
    expect(table.loads).toBe(3);
    await cache.isMember(a, ada);
    await cache.isMember(c, ada);
    expect(table.loads).toBe(3);
    await cache.isMember(b, ada);
    expect(table.loads).toBe(4);
  });

  it('stores a load that started after the last change', async () => {
    const table = new MembersTable();
    const cache = new LocalMembershipCache(table);
    const [chat, other, ada] = [randomUUID(), randomUUID(), randomUUID()];
    table.chats.set(chat, new Set([ada]));
    await cache.invalidate(other);
    await cache.isMember(chat, ada);
    await cache.isMember(chat, ada);
    expect(table.loads).toBe(1);
  });
});

if (redisSkipReason) {
  describe.skip(`redis membership cache: skipped, ${redisSkipReason}`, () => it.skip('contract'));
} else {
  const { connect, dead: deadRedis } = redisClients();
  membershipContract('redis', async (table) => new RedisMembershipCache(await connect(), table, silentLogger));

  describe('RedisMembershipCache', () => {
    it('serves repeated checks from Redis, shared between instances', async () => {
      const table = new MembersTable();
      const [one, two] = [new RedisMembershipCache(await connect(), table, silentLogger), new RedisMembershipCache(await connect(), table, silentLogger)];
      const [chat, ada] = [randomUUID(), randomUUID()];
      table.chats.set(chat, new Set([ada]));
      for (let i = 0; i < 5; i++) expect(await one.isMember(chat, ada)).toBe(true);
      expect(await two.isMember(chat, ada)).toBe(true);
      expect(table.loads).toBe(1);
    });

    it('caches a chat of 100,001 members, staged in chunks, and the next checks read Redis only', async () => {
      const table = new MembersTable();
      const admin = await connect();
      const cache = new RedisMembershipCache(await connect(), table, silentLogger);
      const chat = randomUUID();
      const ids = Array.from({ length: 100_001 }, () => randomUUID());
      table.chats.set(chat, new Set(ids));
      expect(await cache.isMember(chat, ids[100_000])).toBe(true);
      expect(await cache.isMember(chat, ids[0])).toBe(true);
      expect(await cache.isMember(chat, randomUUID())).toBe(false);
      expect(table.loads).toBe(1);
      // The cached set holds every member (and the marker), and no staging key is left behind.
      expect(await admin.scard(`parley:{chat:${chat}}:members`)).toBe(100_002);
      expect(await admin.keys(`parley:{chat:${chat}}:members:staging:*`)).toEqual([]);
    });

    it('never caches part of a large chat when Redis, short of memory, evicts or refuses its staging, and leaves no key without a TTL', async () => {
      const redis = await DisposableRedis.start();
      const admin = await connect(redis.url);
      try {
        const table = new MembersTable();
        const chat = randomUUID();
        const ids = Array.from({ length: 100_000 }, () => randomUUID());
        table.chats.set(chat, new Set(ids));
        await admin.config('SET', 'maxmemory-policy', 'volatile-lru');
        const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
        // Room for part of the set: eviction (of the staging key, the only one with a TTL) and then refusal.
        for (const headroom of [8, 4]) {
          await admin.config('SET', 'maxmemory', String(used + headroom * 1024 * 1024));
          const cache = new RedisMembershipCache(await connect(redis.url), table, silentLogger, new RedisBreaker(0, silentLogger));
          for (const id of [ids[0]!, ids[50_000]!, ids[99_999]!]) expect(await cache.isMember(chat, id), `${headroom} MiB`).toBe(true);
          const cached = await admin.scard(`parley:{chat:${chat}}:members`);
          expect([0, ids.length + 1], `${headroom} MiB`).toContain(cached);
          for (const key of await admin.keys('parley:*')) if (key.includes(':staging:')) expect(await admin.pttl(key), key).toBeGreaterThan(0);
        }
      } finally {
        await redis.stop();
      }
    });

    it('drops a staged fill of a large chat that read the members before a removal on another instance', async () => {
      const table = new MembersTable();
      const admin = await connect();
      const [chat, ada, bob] = [randomUUID(), randomUUID(), randomUUID()];
      table.chats.set(chat, new Set([ada, bob, ...Array.from({ length: FILL_CHUNK * 2 }, () => randomUUID())]));
      const slow = new RedisMembershipCache(await connect(), table, silentLogger);
      const other = new RedisMembershipCache(await connect(), table, silentLogger);
      const held = table.hold();
      const stale = slow.isMember(chat, bob);
      await held.loadStarted;
      table.chats.get(chat)!.delete(bob);
      await other.invalidate(chat);
      held.release();
      expect(await stale).toBe(true); // it answered from its snapshot...
      expect(await admin.keys(`parley:{chat:${chat}}:members:staging:*`)).toEqual([]); // ...dropped its staging...
      expect(await other.isMember(chat, bob)).toBe(false); // ...and did not poison the cache
    });

    it('drops a fill that read the members before a removal on another instance', async () => {
      const table = new MembersTable();
      const [chat, ada, bob] = [randomUUID(), randomUUID(), randomUUID()];
      table.chats.set(chat, new Set([ada, bob]));
      let releaseLoad!: () => void;
      const slowSource: MemberSource = {
        isMember: table.isMember,
        membersOf: async (chatId) => {
          const snapshot = await table.membersOf(chatId);
          await new Promise<void>((resolve) => (releaseLoad = resolve));
          return snapshot;
        },
      };
      const slow = new RedisMembershipCache(await connect(), slowSource, silentLogger);
      const other = new RedisMembershipCache(await connect(), table, silentLogger);

      const stale = slow.isMember(chat, bob);
      await new Promise((r) => setTimeout(r, 50));
      table.chats.get(chat)!.delete(bob);
      await other.invalidate(chat);
      releaseLoad();
      expect(await stale).toBe(true); // it answered from its snapshot...
      expect(await other.isMember(chat, bob)).toBe(false); // ...but did not poison the cache
    });

    it('caches no list read during a change, even when the change’s second invalidation never comes', async () => {
      const table = new MembersTable();
      const cache = new RedisMembershipCache(await connect(), table, silentLogger);
      const other = new RedisMembershipCache(await connect(), table, silentLogger);
      const [chat, ada, bob] = [randomUUID(), randomUUID(), randomUUID()];
      table.chats.set(chat, new Set([ada, bob]));
      await cache.invalidate(chat); // the change's first invalidation
      const slow = table.hold();
      const stale = other.isMember(chat, bob); // reads the members before the removal...
      await slow.loadStarted;
      table.chats.get(chat)!.delete(bob); // ...the removal lands, and Redis fails before the second invalidation
      slow.release();
      expect(await stale).toBe(true);
      expect(await cache.isMember(chat, bob)).toBe(false);
    });

    it('keeps working after Redis forgets its scripts', async () => {
      const table = new MembersTable();
      const redis = await connect();
      const cache = new RedisMembershipCache(redis, table, silentLogger);
      const [chat, ada, bob] = [randomUUID(), randomUUID(), randomUUID()];
      table.chats.set(chat, new Set([ada, bob]));
      expect(await cache.isMember(chat, bob)).toBe(true);
      // As after a Redis restart: the next EVALSHA meets NOSCRIPT and ioredis sends the text again.
      await redis.script('FLUSH');
      table.chats.get(chat)!.delete(bob);
      await cache.invalidate(chat);
      expect(await cache.isMember(chat, bob)).toBe(false);
      expect(await cache.isMember(chat, ada)).toBe(true);
    });

    it('answers from the database when Redis is down', async () => {
      const table = new MembersTable();
      const dead = deadRedis();
      const cache = new RedisMembershipCache(dead, table, silentLogger);
      const [chat, ada] = [randomUUID(), randomUUID()];
      table.chats.set(chat, new Set([ada]));
      expect(await cache.isMember(chat, ada)).toBe(true);
      // One membership looked up, not the chat's whole member list.
      expect([table.checks, table.loads]).toEqual([1, 0]);
      await expect(cache.invalidate(chat)).rejects.toThrow();
    });

    it('skips a hung Redis for the cool-down after one timed-out command, then tries it again', async () => {
      const redis = await DisposableRedis.start();
      const admin = await connect(redis.url);
      const client = await startRedis(connectRedis(redis.url, 'hung', silentLogger, 'commands', 200));
      try {
        const table = new MembersTable();
        const cache = new RedisMembershipCache(client, table, silentLogger, new RedisBreaker(1000, silentLogger));
        const [chat, ada] = [randomUUID(), randomUUID()];
        table.chats.set(chat, new Set([ada]));
        await admin.config('RESETSTAT');
        await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE');
        try {
          for (let i = 0; i < 5; i++) expect(await cache.isMember(chat, ada)).toBe(true);
          expect([table.checks, table.loads]).toEqual([5, 0]);
        } finally {
          await admin.call('CLIENT', 'UNPAUSE');
        }
        // Once the held command has run: one script call for five checks.
        expect(await client.ping()).toBe('PONG');
        expect(await scriptCalls(admin)).toBe(1);

        await new Promise((r) => setTimeout(r, 1100));
        expect(await cache.isMember(chat, ada)).toBe(true);
        expect(await scriptCalls(admin)).toBeGreaterThan(1);
      } finally {
        client.disconnect();
        await redis.stop();
      }
    });
  });
}

if (clusterSkipReason) {
  describe.skip(`redis cluster membership cache: skipped, ${clusterSkipReason}`, () => it.skip('contract'));
} else {
  describe('on a Redis Cluster', () => {
    const redis = redisClusterForSuite();
    // The three keys of a chat share the {chat:<id>} hash tag: each script runs on the node of that slot.
    membershipContract('redis cluster', async (table) => new RedisMembershipCache(await redis.connect(), table, silentLogger));

    it('shares a chat’s cache between instances across the cluster', async () => {
      const table = new MembersTable();
      const [one, two] = [new RedisMembershipCache(await redis.connect(), table, silentLogger), new RedisMembershipCache(await redis.connect(), table, silentLogger)];
      const chats = Array.from({ length: 20 }, () => randomUUID());
      const ada = randomUUID();
      for (const chat of chats) table.chats.set(chat, new Set([ada]));
      for (const chat of chats) expect(await one.isMember(chat, ada)).toBe(true);
      for (const chat of chats) expect(await two.isMember(chat, ada)).toBe(true);
      expect(table.loads).toBe(chats.length);
      // Twenty chats land on more than one shard: the keys spread, each chat's three stay together.
      const masters = new Set(await Promise.all(chats.map((chat) => redis.cluster.masterOf(slotOf(`parley:{chat:${chat}}:members`)))));
      expect(masters.size).toBeGreaterThan(1);
    });

    it('stages a large chat’s fill on the node of its slot, and shares it across the cluster', async () => {
      const table = new MembersTable();
      const [one, two] = [new RedisMembershipCache(await redis.connect(), table, silentLogger), new RedisMembershipCache(await redis.connect(), table, silentLogger)];
      const chat = randomUUID();
      const ids = Array.from({ length: FILL_CHUNK * 3 + 1 }, () => randomUUID());
      table.chats.set(chat, new Set(ids));
      expect(await one.isMember(chat, ids.at(-1)!)).toBe(true);
      expect(await two.isMember(chat, ids[0]!)).toBe(true);
      expect(await two.isMember(chat, randomUUID())).toBe(false);
      expect(table.loads).toBe(1);
    });
  });
}

/** Scripts Redis has run since the last CONFIG RESETSTAT. */
async function scriptCalls(admin: Redis): Promise<number> {
  const stats = await admin.info('commandstats');
  return [...stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** The cluster slot of a key, as ioredis (and Redis) compute it. */
function slotOf(key: string): number {
  return new Command('get', [key]).getSlot();
}
