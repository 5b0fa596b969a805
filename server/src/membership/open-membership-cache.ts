import type { Config } from '../config/config.js';
import type { Logger } from '../observability/log.js';
import type { SharedRedis } from '../support/redis.js';
import { LocalMembershipCache } from './local-membership-cache.js';
import type { MemberSource, MembershipCache } from './port.js';
import { RedisMembershipCache } from './redis-membership-cache.js';
import { UncachedMembership } from './uncached-membership.js';

/**
 * With shared Redis, member lists cached there (the database answers while
 * Redis fails). Without it, cached in this process only when the database is
 * this process's alone (embedded): with PostgreSQL, another instance's
 * leaveChat would never reach a cache held here.
 */
export function openMembershipCache(config: Config, redis: SharedRedis | null, source: MemberSource, logger: Logger): MembershipCache {
  if (redis) return new RedisMembershipCache(redis.client, source, logger, redis.breaker);
  return config.databaseUrl ? new UncachedMembership(source) : new LocalMembershipCache(source);
}
