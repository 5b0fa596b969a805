import type { RateLimit } from '../config/config.js';
import type { RateLimiter } from './port.js';

/** Fixed windows in process memory: right for one instance, not shared across several. */
export class LocalRateLimiter implements RateLimiter {
  private windows = new Map<string, { count: number; resetAt: number }>();
  private sweepAt = 0;

  async hit(key: string, { limit, windowMs }: RateLimit): Promise<number | null> {
    const now = Date.now();
    if (now >= this.sweepAt) this.sweep(now, windowMs);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) this.windows.set(key, (window = { count: 0, resetAt: now + windowMs }));
    window.count++;
    return window.count <= limit ? null : window.resetAt - now;
  }

  /** Drops expired windows now and then, so idle keys do not pile up. */
  private sweep(now: number, windowMs: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    this.sweepAt = now + windowMs;
  }
}
