import type { Config } from '../config/config.js';
import type { RateLimiter } from '../rate-limit/port.js';
import { DomainError } from './errors.js';

const rateLimited = (what: string, retryMs: number) =>
  new DomainError('RATE_LIMITED', `Too many ${what}; try again in ${Math.ceil(retryMs / 1000)} s`, { retryAfterMs: retryMs });

/** The product's rate limits: sends per user, login attempts per username. */
export class RateLimits {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly config: Pick<Config, 'sendRateLimit' | 'loginRateLimit'>,
  ) {}

  async checkSend(userId: string): Promise<void> {
    if (!this.config.sendRateLimit) return;
    const retry = await this.limiter.hit(`send:${userId}`, this.config.sendRateLimit);
    if (retry !== null) throw rateLimited('messages', retry);
  }

  async checkLogin(username: string): Promise<void> {
    if (!this.config.loginRateLimit) return;
    const retry = await this.limiter.hit(`login:${username}`, this.config.loginRateLimit);
    if (retry !== null) throw rateLimited('login attempts', retry);
  }
}
