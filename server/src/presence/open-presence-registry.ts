import type { SharedRedis } from '../support/redis.js';
import { LocalPresenceRegistry } from './local-presence-registry.js';
import type { PresenceRegistry } from './port.js';
import { RedisPresenceRegistry } from './redis-presence-registry.js';

/** With shared Redis, who is online across instances; without it, this process is the only instance. */
export function openPresenceRegistry(redis: SharedRedis | null): PresenceRegistry {
  return redis ? new RedisPresenceRegistry(redis.client) : new LocalPresenceRegistry();
}
