import type { RateLimit } from '../config/config.js';

export interface RateLimiter {
  /** Counts one hit on `key`; returns null when allowed, else how many ms until it would be. */
  hit(key: string, limit: RateLimit): Promise<number | null>;
}
