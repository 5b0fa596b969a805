import { isIPv6 } from 'node:net';
import type { Config } from '../config/config.js';
import type { RateLimiter } from '../rate-limit/port.js';
import { DomainError } from './errors.js';

const rateLimited = (what: string, retryMs: number) =>
  new DomainError('RATE_LIMITED', `Too many ${what}; try again in ${Math.ceil(retryMs / 1000)} s`, { retryAfterMs: retryMs });

/**
 * The key of a client address for per-address limits. An IPv6 client gets a
 * whole /64 (one home, one phone), so it is limited by that prefix: counting
 * single addresses would give it 2^64 fresh ones. IPv4-mapped IPv6 is IPv4.
 */
export function addressKey(address: string): string {
  const ip = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (!isIPv6(ip)) return ip;
  // Groups of the full form; an embedded IPv4 tail (64:ff9b::1.2.3.4) is two groups, past the prefix anyway.
  const groups = (text: string) => (text === '' ? [] : text.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])));
  const [head, tail] = ip.split('::');
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const full = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${full.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

/** How a login attempt that passed the limits ended, so the limits count only what they should. */
export interface LoginAttempt {
  /** The password was wrong (or the user does not exist). */
  failed(): Promise<void>;
  /** The attempt does not count against anyone: the password was right, or an engine failed. */
  release(): Promise<void>;
}

/**
 * The product's rate limits: sends per user; signups per address; failed
 * logins per address and per username.
 */
export class RateLimits {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly config: Pick<Config, 'sendRateLimit' | 'loginRateLimit' | 'loginIpRateLimit' | 'signupRateLimit'>,
  ) {}

  async checkSend(userId: string): Promise<void> {
    if (!this.config.sendRateLimit) return;
    const retry = await this.limiter.hit(`send:${userId}`, this.config.sendRateLimit);
    if (retry !== null) throw rateLimited('messages', retry);
  }

  /** Counts one signup of the address; each aliased signup of a request is one call. */
  async checkSignup(clientIp: string): Promise<void> {
    if (!this.config.signupRateLimit) return;
    const retry = await this.limiter.hit(`signup:${addressKey(clientIp)}`, this.config.signupRateLimit);
    if (retry !== null) throw rateLimited('signups from your network address', retry);
  }

  /**
   * Before a password is verified: refuses the attempt, unverified, when its
   * address has failed too often, or when the username has and this address
   * failed recently too. The address counts the attempt now and gives it back
   * on success (`release`), so what it holds is failures plus attempts still
   * being verified: concurrent attempts cannot all slip past the limit before
   * the first failure is counted. The username counts failures only, and a
   * client whose address has no recent failure still gets its password
   * checked: failures by others cannot lock the real user out.
   */
  async beginLogin(username: string, clientIp: string): Promise<LoginAttempt> {
    const { loginRateLimit: perUser, loginIpRateLimit: perAddress } = this.config;
    const addressKeyName = `login-address:${addressKey(clientIp)}`;
    const userKey = `login-user:${username}`;
    if (perAddress) {
      const retry = await this.limiter.hit(addressKeyName, perAddress);
      if (retry !== null) throw rateLimited('failed logins from your network address', retry);
    }
    if (perUser) {
      const user = await this.limiter.peek(userKey);
      if (user.count >= perUser.limit) {
        // Without per-address counting there is no telling the real user from the attacker: the lock holds for all.
        const address = perAddress ? await this.limiter.peek(addressKeyName) : null;
        const clean = address !== null && address.count <= 1;
        if (!clean) throw rateLimited('failed logins for this username', address ? Math.min(user.retryMs, address.retryMs) : user.retryMs);
      }
    }
    return {
      failed: async () => {
        if (perUser) await this.limiter.hit(userKey, perUser);
      },
      release: async () => {
        if (perAddress) await this.limiter.undo(addressKeyName);
      },
    };
  }
}
