import { badInput, unauthenticated } from './errors.js';
import { newId } from './ids.js';
import { charCount, LIMITS } from './limits.js';
import type { User } from './models.js';
import { DECOY_HASH, hashPassword, verifyPassword } from './passwords.js';
import type { RateLimits } from './rate-limits.js';
import type { TokenService } from './tokens.js';
import type { UserRepository } from '../relational/ports.js';

export interface AuthResult {
  token: string;
  user: User;
}

/** Usernames are case-insensitive: stored lower-case, validated after lower-casing. */
export function normalizeUsername(raw: string): string {
  const username = raw.trim().toLowerCase();
  if (username.length < LIMITS.usernameMin || username.length > LIMITS.usernameMax || !/^[a-z0-9_]+$/.test(username)) {
    throw badInput(
      `username must be ${LIMITS.usernameMin} to ${LIMITS.usernameMax} characters of a-z, 0-9 and _`,
    );
  }
  return username;
}

export class AuthService {
  constructor(
    private readonly users: UserRepository,
    private readonly tokens: TokenService,
    private readonly limits: RateLimits,
  ) {}

  async signup(rawUsername: string, password: string, rawDisplayName?: string | null): Promise<AuthResult> {
    const username = normalizeUsername(rawUsername);
    if (charCount(password) < LIMITS.passwordMin) throw badInput(`password must be at least ${LIMITS.passwordMin} characters`);
    if (charCount(password) > LIMITS.passwordMax) throw badInput(`password must be at most ${LIMITS.passwordMax} characters`);
    const displayName = (rawDisplayName ?? '').trim() || rawUsername.trim();
    if (charCount(displayName) > LIMITS.displayNameMax) {
      throw badInput(`displayName must be at most ${LIMITS.displayNameMax} characters`);
    }
    const user = await this.users.create({ id: newId(), username, displayName, passwordHash: await hashPassword(password) });
    return { user, token: await this.tokens.issue(user.id) };
  }

  async login(rawUsername: string, password: string): Promise<AuthResult> {
    const failure = unauthenticated('Invalid username or password');
    const username = rawUsername.trim().toLowerCase();
    await this.limits.checkLogin(username);
    const found = username ? await this.users.findCredentials(username) : null;
    // Always pay for one hash, so timing does not tell whether the user exists.
    const ok = await verifyPassword(password, found?.passwordHash ?? DECOY_HASH);
    if (!found || !ok) throw failure;
    return { user: found.user, token: await this.tokens.issue(found.user.id) };
  }
}
