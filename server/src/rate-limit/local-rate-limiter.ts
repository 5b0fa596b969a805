import type { RateLimit } from '../config/config.js';
import type { RateLimiter, WindowState } from './port.js';

/** Expired windows are dropped at least this often, so one long window (signups: an hour) does not postpone it for short ones. */
const SWEEP_MAX_MS = 60_000;

/** Fixed windows in process memory: right for one instance, not shared across several. */
export class LocalRateLimiter implements RateLimiter {
  private windows = new Map<string, { count: number; resetAt: number }>();
  private sweepAt = 0;

  async hit(key: string, { limit, windowMs }: RateLimit): Promise<number | null> {
    const now = Date.now();
    if (now >= this.sweepAt) this.sweep(now, windowMs);
    let window = this.current(key, now);
    if (!window) this.windows.set(key, (window = { count: 0, resetAt: now + windowMs }));
    window.count++;
    return window.count <= limit ? null : window.resetAt - now;
  }

  async peek(key: string): Promise<WindowState> {
    const now = Date.now();
    const window = this.current(key, now);
    return window ? { count: window.count, retryMs: window.resetAt - now } : { count: 0, retryMs: 0 };
  }

  async undo(key: string): Promise<void> {
    const window = this.current(key, Date.now());
    if (window && --window.count <= 0) this.windows.delete(key);
  }

  private current(key: string, now: number) {
    const window = this.windows.get(key);
    return window && window.resetAt > now ? window : undefined;
  }

  /** Drops expired windows now and then, so idle keys do not pile up. */
  private sweep(now: number, windowMs: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    this.sweepAt = now + Math.min(windowMs, SWEEP_MAX_MS);
  }
}
