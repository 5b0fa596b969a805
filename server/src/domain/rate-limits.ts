import { isIPv6 } from 'node:net';
import type { Config } from '../config/config.js';
import type { RateLimitKind, RateLimitMeter } from '../observability/meters.js';
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
  /** The password was right. */
  succeeded(): Promise<void>;
  /** The attempt does not count against anyone: an engine failed before it was decided. */
  release(): Promise<void>;
}

/**
 * The product's rate limits: sends per user; chats created per user; signups
 * per address; failed logins per address and per username; successful logins
 * per address.
 */
export class RateLimits {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly config: Pick<
      Config,
      'sendRateLimit' | 'loginRateLimit' | 'loginIpRateLimit' | 'loginSuccessRateLimit' | 'signupRateLimit' | 'chatCreateRateLimit'
    >,
    private readonly meter?: RateLimitMeter,
  ) {}

  /** The refusal of `kind`, counted. */
  private refusal(kind: RateLimitKind, what: string, retryMs: number): DomainError {
    this.meter?.refused(kind);
    return rateLimited(what, retryMs);
  }

  async checkSend(userId: string): Promise<void> {
    if (!this.config.sendRateLimit) return;
    const retry = await this.limiter.hit(`send:${userId}`, this.config.sendRateLimit);
    if (retry !== null) throw this.refusal('send', 'messages', retry);
  }

  /** Counts one chat the user creates (direct or group), after its input is checked and before anything is written. */
  async checkChatCreate(userId: string): Promise<void> {
    if (!this.config.chatCreateRateLimit) return;
    const retry = await this.limiter.hit(`chat-create:${userId}`, this.config.chatCreateRateLimit);
    if (retry !== null) throw this.refusal('chat_create', 'new chats', retry);
  }

  /** Counts one signup of the address; each aliased signup of a request is one call. */
  async checkSignup(clientIp: string): Promise<void> {
    if (!this.config.signupRateLimit) return;
    const retry = await this.limiter.hit(`signup:${addressKey(clientIp)}`, this.config.signupRateLimit);
    if (retry !== null) throw this.refusal('signup', 'signups from your network address', retry);
  }

  /**
   * Before a password is verified: refuses the attempt, unverified, when its
   * address has failed too often, or when the username has and this address
   * failed recently too, or when the address has already signed in as often
   * as LOGIN_SUCCESS_RATE_LIMIT allows (a stolen password list is checked no
   * faster than that, and right and wrong passwords get the same refusal).
   * The address counts the attempt now, as a possible failure and as a
   * possible success, and gives back whichever it was not, so what each
   * holds includes attempts still being verified: concurrent attempts cannot
   * all slip past a limit before the first is counted. A refused attempt
   * gives back everything it counted: a refusal is nobody's failure, so
   * retrying a locked username does not use up its address's budget for the
   * other people behind it. The username counts failures only, and a client
   * whose address has no recent failure still gets its password checked:
   * failures by others cannot lock the real user out.
   */
  async beginLogin(username: string, clientIp: string): Promise<LoginAttempt> {
    const { loginRateLimit: perUser, loginIpRateLimit: perAddress, loginSuccessRateLimit: successes } = this.config;
    const address = addressKey(clientIp);
    const failureKey = `login-address:${address}`;
    const successKey = `login-success:${address}`;
    const userKey = `login-user:${username}`;
    const counted: string[] = [];
    const refuse = async (kind: RateLimitKind, what: string, retryMs: number): Promise<never> => {
      for (const key of counted) await this.limiter.undo(key);
      throw this.refusal(kind, what, retryMs);
    };
    if (perAddress) {
      const retry = await this.limiter.hit(failureKey, perAddress);
      counted.push(failureKey);
      if (retry !== null) await refuse('login_address', 'failed logins from your network address', retry);
    }
    if (perUser) {
      const user = await this.limiter.peek(userKey);
      if (user.count >= perUser.limit) {
        // Without per-address counting there is no telling the real user from the attacker: the lock holds for all.
        const state = perAddress ? await this.limiter.peek(failureKey) : null;
        const clean = state !== null && state.count <= 1;
        if (!clean) await refuse('login_username', 'failed logins for this username', state ? Math.min(user.retryMs, state.retryMs) : user.retryMs);
      }
    }
    if (successes) {
      const retry = await this.limiter.hit(successKey, successes);
      counted.push(successKey);
      if (retry !== null) await refuse('login_success', 'logins from your network address', retry);
    }
    const giveBack = async (key: string) => {
      if (counted.includes(key)) await this.limiter.undo(key);
    };
    return {
      failed: async () => {
        await giveBack(successKey);
        if (perUser) await this.limiter.hit(userKey, perUser);
      },
      succeeded: () => giveBack(failureKey),
      release: async () => {
        await giveBack(failureKey);
        await giveBack(successKey);
      },
    };
  }
}
