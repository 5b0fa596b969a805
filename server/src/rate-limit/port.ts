import type { RateLimit } from '../config/config.js';

/** Where a key's window stands: hits counted in it, and ms until it ends (0 for no window). */
export interface WindowState {
  count: number;
  retryMs: number;
}

/** Fixed-window counters by key. */
export interface RateLimiter {
  /** Counts one hit on `key`; returns null when allowed, else how many ms until it would be. */
  hit(key: string, limit: RateLimit): Promise<number | null>;
  /** The window of `key` as it stands, without counting anything. */
  peek(key: string): Promise<WindowState>;
  /** Takes back one hit counted in the current window of `key` (one that turned out not to count); never below zero. */
  undo(key: string): Promise<void>;
}
