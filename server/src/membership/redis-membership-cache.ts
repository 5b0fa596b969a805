import { randomUUID } from 'node:crypto';
import { REDIS_COOLDOWN_MS } from '../config/tuning.js';
import { unavailable } from '../domain/errors.js';
import type { Logger } from '../observability/log.js';
import { RedisBreaker, type RedisClient } from '../support/redis.js';
import type { MemberSource, MembershipCache } from './port.js';

const TTL_MS = 60 * 60 * 1000;
/** Marks a loaded set, so a chat whose members all left is not taken for "not cached". */
const LOADED = '';

/** 1 / 0 for a cached answer, -1 when the chat's members are not cached. */
const CHECK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('SISMEMBER', KEYS[1], ARGV[1])`;

/** True when no membership change happened since the loader read the database (ARGV[1]: the generation it saw), and none is under way. */
const UNCHANGED = `redis.call('EXISTS', KEYS[3]) == 0 and (redis.call('GET', KEYS[2]) or '0') == ARGV[1]`;

/**
 * Fills the cache only if no change happened since the loader read the
 * database, and none is under way: every change bumps the generation, so a
 * slow loader holding a pre-change member list can never write it back after
 * the invalidation; and every invalidation opens a change window in which
 * nothing is filled, so a list read between a change's first invalidation
 * and its database write cannot land even if the second invalidation never
 * comes (Redis failed in between).
 */
const FILL = `
if not (${UNCHANGED}) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SADD', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/**
 * FILL for a chat too large for one script call: the members were added to a
 * staging key of the chat's slot in chunks, and it becomes the cached set
 * under the same conditions, or is dropped. So is a staging set that is not
 * whole (ARGV[3] members with the marker): Redis short of memory may evict it
 * between two chunks, and the later chunks alone would make a set that
 * refuses real members.
 */
const FILL_STAGED = `
if not (${UNCHANGED}) or redis.call('SCARD', KEYS[4]) ~= tonumber(ARGV[3]) or redis.call('SISMEMBER', KEYS[4], '') == 0 then
  redis.call('DEL', KEYS[4])
  return 0
end
redis.call('RENAME', KEYS[4], KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

const INVALIDATE = `
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
return 1`;

/**
 * How long after an invalidation the chat's members are not cached: far
 * longer than a membership change takes from its first invalidation to its
 * second. Changes are rare, so the cost is a few database reads per change.
 */
const CHANGE_WINDOW_MS = 30_000;

/**
 * The most member ids sent in one command: a larger chat is staged in chunks
 * of this many. Lua's unpack takes about 8,000 values, and 100,001 ids spread
 * as one command's arguments overflow the stack inside ioredis.
 */
export const FILL_CHUNK = 5_000;
/** How long a staging key outlives an instance that died while filling it. */
const STAGING_TTL_MS = 60_000;

/** The scripts as commands of the connection, so each call sends the script's hash (EVALSHA), not its text. */
interface MembershipScripts {
  parleyMembersCheck(members: string, userId: string): Promise<number>;
  parleyMembersFill(members: string, generation: string, changing: string, seenGeneration: string, ttlMs: number, ...ids: string[]): Promise<number>;
  parleyMembersFillStaged(members: string, generation: string, changing: string, staging: string, seenGeneration: string, ttlMs: number, size: number): Promise<number>;
  parleyMembersInvalidate(members: string, generation: string, changing: string, ttlMs: number, windowMs: number): Promise<number>;
}

function withScripts(redis: RedisClient): RedisClient & MembershipScripts {
  // ioredis sends the text once per connection, and again only if Redis answers NOSCRIPT (after a restart).
  redis.defineCommand('parleyMembersCheck', { numberOfKeys: 1, lua: CHECK });
  redis.defineCommand('parleyMembersFill', { numberOfKeys: 3, lua: FILL });
  redis.defineCommand('parleyMembersFillStaged', { numberOfKeys: 4, lua: FILL_STAGED });
  redis.defineCommand('parleyMembersInvalidate', { numberOfKeys: 3, lua: INVALIDATE });
  return redis as RedisClient & MembershipScripts;
}

/**
 * Members per chat as Redis sets shared by every instance: a removal on one
 * instance is enforced by all the others on their next check. Redis being
 * down or hung costs speed, not correctness: answers come from the database,
 * and after a failure the breaker sends them straight there for a while.
 */
export class RedisMembershipCache implements MembershipCache {
  private readonly redis: RedisClient & MembershipScripts;

  constructor(
    redis: RedisClient,
    private readonly source: MemberSource,
    private readonly logger: Logger,
    private readonly breaker = new RedisBreaker(REDIS_COOLDOWN_MS, logger),
  ) {
    this.redis = withScripts(redis);
  }

  /**
   * The chat's three keys share the hash tag {chat:<id>}, so on a Redis
   * Cluster they sit in one slot and each script (which touches all three)
   * runs on one node; chats still spread over the slots. (Before the tag the
   * keys were `parley:chat:<id>:members…`: a cache, so the rename only costs
   * one database read per chat after the upgrade.)
   */
  private keys(chatId: string): [string, string, string] {
    const members = `parley:{chat:${chatId}}:members`;
    return [members, `${members}:gen`, `${members}:changing`];
  }

  async isMember(chatId: string, userId: string): Promise<boolean | null> {
    const [members, generation, changing] = this.keys(chatId);
    let seenGeneration: string;
    try {
      const cached = await this.breaker.run(() => this.redis.parleyMembersCheck(members, userId));
      if (cached !== -1) return cached === 1;
      seenGeneration = (await this.breaker.run(() => this.redis.get(generation))) ?? '0';
    } catch {
      // The breaker logged the failure once; until it closes, the database answers.
      return this.source.isMember(chatId, userId);
    }
    const ids = await this.source.membersOf(chatId);
    if (ids === null) return null;
    // Filling is an optimisation: the answer stands whether or not it lands.
    await this.breaker.run(() => this.fill(chatId, ids, seenGeneration)).catch(() => undefined);
    return ids.includes(userId);
  }

  private async fill(chatId: string, ids: string[], seenGeneration: string): Promise<void> {
    const [members, generation, changing] = this.keys(chatId);
    if (ids.length < FILL_CHUNK) {
      await this.redis.parleyMembersFill(members, generation, changing, seenGeneration, TTL_MS, LOADED, ...ids);
      return;
    }
    // Its own staging key per fill, in the chat's slot: fills racing on two instances never mix.
    const staging = `${members}:staging:${randomUUID()}`;
    const chunks = this.redis.pipeline();
    chunks.sadd(staging, LOADED);
    // A TTL after every chunk, not once: a chunk that lands after an eviction makes the key anew, without one.
    for (let i = 0; i < ids.length; i += FILL_CHUNK) chunks.sadd(staging, ...ids.slice(i, i + FILL_CHUNK)).pexpire(staging, STAGING_TTL_MS);
    const failed = ((await chunks.exec()) ?? []).find(([error]) => error)?.[0];
    if (failed) {
      // Out of memory, say: the part staged goes now, not in a minute.
      await this.redis.del(staging).catch(() => undefined);
      throw failed;
    }
    await this.redis.parleyMembersFillStaged(members, generation, changing, staging, seenGeneration, TTL_MS, ids.length + 1);
  }

  async invalidate(chatId: string): Promise<void> {
    const [members, generation, changing] = this.keys(chatId);
    try {
      // Tried even while the breaker is open: a membership change has no fallback.
      await this.breaker.run(() => this.redis.parleyMembersInvalidate(members, generation, changing, 24 * TTL_MS, CHANGE_WINDOW_MS), { force: true });
    } catch (error) {
      // Not swallowed: a change that cannot be invalidated must not go ahead.
      this.logger.warn({ err: error }, 'membership cache invalidation failed');
      throw unavailable('Membership changes are unavailable right now; retry shortly');
    }
  }
}
