import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../support/redis.js';
import type { PresenceChange, PresenceRegistry } from './port.js';

/*
 * Every key shares the {presence} hash tag, so that each script's keys sit in
 * one Redis Cluster slot. Times are Redis's own clock (TIME), so instances
 * whose clocks disagree still agree on which instance has stopped beating.
 *
 *   instances   zset: instance id -> when it is presumed dead (ms)
 *   seen        hash: instance id -> its last beat (ms): when its users were last seen
 *   state       hash: user id -> 1 while announced online
 *   version     counter: one step per announced change, never below Redis's
 *               clock in µs (TIME ms × 1000), so a counter lost with Redis's
 *               data starts again above every version handed out before it
 *   held:<inst> set: the users an instance holds sockets of
 *   user:<user> set: the instances holding sockets of a user
 */
/** Where every deployment keeps presence; tests pass their own prefix (with its own hash tag) to stay apart. */
export const PRESENCE_PREFIX = 'parley:{presence}:';
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
/**
 * The next version. Instances drop a change whose version is not above the
 * last they saw of that user: a counter that started again from 1 after Redis
 * lost its data would have every later change dropped, so it never falls
 * below the clock (a thousand steps per ms before it runs ahead of it).
 */
const NEXT_VERSION = `
local function nextVersion(key, now)
  local floor = now * 1000
  if (tonumber(redis.call('GET', key)) or 0) < floor then
    redis.call('SET', key, string.format('%.0f', floor))
    return floor
  end
  return redis.call('INCR', key)
end`;
/** Whether any instance in the user's set still beats. */
const LIVE = `
local function live(instances, userKey, now)
  for _, other in ipairs(redis.call('SMEMBERS', userKey)) do
    local expires = redis.call('ZSCORE', instances, other)
    if expires and tonumber(expires) > now then return true end
  end
  return false
end`;

/** KEYS state, version, held, user; ARGV instance, user. Online once, whichever instance is first. */
const ARRIVE = `${NEXT_VERSION}
${NOW}
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[1])
if redis.call('HSETNX', KEYS[1], ARGV[2], '1') == 0 then return 0 end
return nextVersion(KEYS[2], now)`;

/** KEYS state, version, held, user, instances; ARGV instance, user. Offline once no live instance holds them. */
const DEPART = `${LIVE}
${NEXT_VERSION}
${NOW}
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('SREM', KEYS[4], ARGV[1])
if live(KEYS[5], KEYS[4], now) then return 0 end
if redis.call('HDEL', KEYS[1], ARGV[2]) == 0 then return 0 end
return nextVersion(KEYS[2], now)`;

/** KEYS instances, seen; ARGV instance, ttl ms. Returns {lost, dead instances (a few)}. */
const BEAT = `${NOW}
local previous = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], now)
local lost = 0
if (not previous) or tonumber(previous) <= now then lost = 1 end
return { lost, redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 16) }`;

/**
 * KEYS instances, seen, state, version, held of the dead instance; ARGV
 * prefix, dead instance, batch size. Takes up to a batch of the dead
 * instance's users offline (those no live instance holds); the instance goes
 * once it holds nobody. Returns {last seen, user, version, user, version…};
 * empty when the instance is not dead (it beat again) or already gone.
 */
const SWEEP = `${LIVE}
${NEXT_VERSION}
${NOW}
local expires = redis.call('ZSCORE', KEYS[1], ARGV[2])
if (not expires) or tonumber(expires) > now then return {} end
local out = { redis.call('HGET', KEYS[2], ARGV[2]) or expires }
for _, user in ipairs(redis.call('SPOP', KEYS[5], tonumber(ARGV[3]))) do
  local userKey = ARGV[1] .. 'user:' .. user
  redis.call('SREM', userKey, ARGV[2])
  if (not live(KEYS[1], userKey, now)) and redis.call('HDEL', KEYS[3], user) == 1 then
    table.insert(out, user)
    table.insert(out, nextVersion(KEYS[4], now))
  end
end
if redis.call('SCARD', KEYS[5]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[2])
  redis.call('HDEL', KEYS[2], ARGV[2])
end
return out`;

/** KEYS instances, seen; ARGV instance, grace ms. */
const LEAVE = `${NOW}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], now)
return 1`;

type WithScripts = RedisClient & {
  parleyPresenceArrive(state: string, version: string, held: string, user: string, instance: string, userId: string): Promise<number>;
  parleyPresenceDepart(state: string, version: string, held: string, user: string, instances: string, instance: string, userId: string): Promise<number>;
  parleyPresenceBeat(instances: string, seen: string, instance: string, ttlMs: number): Promise<[number, string[]]>;
  parleyPresenceSweep(instances: string, seen: string, state: string, version: string, held: string, prefix: string, dead: string, batch: number): Promise<(string | number)[]>;
  parleyPresenceLeave(instances: string, seen: string, instance: string, graceMs: number): Promise<number>;
};

/** The registry's keys under `prefix`; every key holds the same hash tag. */
const keysUnder = (prefix: string) => ({
  prefix,
  instances: `${prefix}instances`,
  seen: `${prefix}seen`,
  state: `${prefix}state`,
  version: `${prefix}version`,
  held: (instance: string) => `${prefix}held:${instance}`,
  user: (userId: string) => `${prefix}user:${userId}`,
});

/** Users a sweep takes offline per script run: one run holds Redis for a bounded time. */
const SWEEP_BATCH = 500;

/** Presence shared by every API instance through Redis, with heartbeats so that a killed instance's users go offline. */
export class RedisPresenceRegistry implements PresenceRegistry {
  private readonly redis: WithScripts;
  /** This process's registration: a restarted instance is a new one (the old one is swept). */
  readonly instance = randomUUID();

  private readonly keys: ReturnType<typeof keysUnder>;

  constructor(redis: RedisClient, prefix = PRESENCE_PREFIX) {
    this.keys = keysUnder(prefix);
    redis.defineCommand('parleyPresenceArrive', { numberOfKeys: 4, lua: ARRIVE });
    redis.defineCommand('parleyPresenceDepart', { numberOfKeys: 5, lua: DEPART });
    redis.defineCommand('parleyPresenceBeat', { numberOfKeys: 2, lua: BEAT });
    redis.defineCommand('parleyPresenceSweep', { numberOfKeys: 5, lua: SWEEP });
    redis.defineCommand('parleyPresenceLeave', { numberOfKeys: 2, lua: LEAVE });
    this.redis = redis as WithScripts;
  }

  async arrive(userId: string, at: Date): Promise<PresenceChange | null> {
    const version = await this.redis.parleyPresenceArrive(this.keys.state, this.keys.version, this.keys.held(this.instance), this.keys.user(userId), this.instance, userId);
    return version > 0 ? { userId, online: true, at, version } : null;
  }

  async depart(userId: string, at: Date): Promise<PresenceChange | null> {
    const version = await this.redis.parleyPresenceDepart(this.keys.state, this.keys.version, this.keys.held(this.instance), this.keys.user(userId), this.keys.instances, this.instance, userId);
    return version > 0 ? { userId, online: false, at, version } : null;
  }

  async online(userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const states = await this.redis.hmget(this.keys.state, ...userIds);
    return new Set(userIds.filter((_, i) => states[i] !== null));
  }

  async beat(ttlMs: number): Promise<{ changes: PresenceChange[]; lost: boolean }> {
    const [lost, dead] = await this.redis.parleyPresenceBeat(this.keys.instances, this.keys.seen, this.instance, ttlMs);
    const changes: PresenceChange[] = [];
    for (const instance of dead) {
      for (;;) {
        const [seen, ...pairs] = await this.redis.parleyPresenceSweep(this.keys.instances, this.keys.seen, this.keys.state, this.keys.version, this.keys.held(instance), this.keys.prefix, instance, SWEEP_BATCH);
        if (seen === undefined) break;
        const at = new Date(Number(seen));
        // Until a run answers nothing: the instance is gone (or beat again).
        for (let i = 0; i < pairs.length; i += 2) changes.push({ userId: String(pairs[i]), online: false, at, version: Number(pairs[i + 1]) });
      }
    }
    return { changes, lost: lost === 1 };
  }

  async leave(_held: readonly string[], graceMs: number): Promise<PresenceChange[]> {
    await this.redis.parleyPresenceLeave(this.keys.instances, this.keys.seen, this.instance, graceMs);
    return [];
  }
}
