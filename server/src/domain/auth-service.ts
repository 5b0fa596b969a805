import { badInput, unauthenticated } from './errors.js';
import { newId } from './ids.js';
import { charCount, LIMITS } from './limits.js';
import { bounded, nameText } from './text.js';
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
  bounded(raw, 'username', LIMITS.usernameMax);
  const username = raw.trim().toLowerCase();
  if (username.length < LIMITS.usernameMin || username.length > LIMITS.usernameMax || !/^[a-z0-9_]+$/.test(username)) {
    throw badInput(
      `username must be ${LIMITS.usernameMin} to ${LIMITS.usernameMax} characters of a-z, 0-9 and _`,
    );
  }
  return username;
}

/**
 * Passwords are never shown or stored, so any character will do (NFC before
 * hashing); only their length is limited, checked before any hashing. At
 * login the minimum is not checked: a short password is just a wrong one.
 */
function checkPassword(password: string, { forSignup }: { forSignup: boolean }): void {
  bounded(password, 'password', LIMITS.passwordMax);
  const length = charCount(password);
  if (forSignup && length < LIMITS.passwordMin) throw badInput(`password must be at least ${LIMITS.passwordMin} characters`);
  if (length > LIMITS.passwordMax) throw badInput(`password must be at most ${LIMITS.passwordMax} characters`);
  if (!password.isWellFormed()) throw badInput('password is not well-formed Unicode text (lone surrogate)');
}

export class AuthService {
  constructor(
    private readonly users: UserRepository,
    private readonly tokens: TokenService,
    private readonly limits: RateLimits,
  ) {}

  /** Everything is validated before the address's signup is counted, and counted before the hash is paid for. */
  async signup(rawUsername: string, password: string, rawDisplayName: string | null | undefined, clientIp: string): Promise<AuthResult> {
    const username = normalizeUsername(rawUsername);
    checkPassword(password, { forSignup: true });
    // Left blank (absent, empty or whitespace), the display name is the username as typed.
    const displayName = (rawDisplayName == null ? '' : nameText(rawDisplayName, 'displayName', LIMITS.displayNameMax)) || rawUsername.trim();
    await this.limits.checkSignup(clientIp);
    const user = await this.users.create({ id: newId(), username, displayName, passwordHash: await hashPassword(password) });
    return { user, token: await this.tokens.issue(user.id) };
  }

  /**
   * A username or password no account could have is BAD_USER_INPUT before
   * anything is counted or looked up: that says nothing about who exists.
   */
  async login(rawUsername: string, password: string, clientIp: string): Promise<AuthResult> {
    const username = normalizeUsername(rawUsername);
    checkPassword(password, { forSignup: false });
    const attempt = await this.limits.beginLogin(username, clientIp);
    let found: Awaited<ReturnType<UserRepository['findCredentials']>>;
    let ok: boolean;
    try {
      found = await this.users.findCredentials(username);
      // Always pay for one hash, so timing does not tell whether the user exists. A bot has no
      // password (null): it pays for the decoy too and fails like a wrong password, counted as one.
      ok = await verifyPassword(password, found?.passwordHash ?? DECOY_HASH) && found !== null && found.passwordHash !== null;
    } catch (error) {
      await attempt.release();
      throw error;
    }
    if (!found || !ok) {
      await attempt.failed();
      throw unauthenticated('Invalid username or password');
    }
    await attempt.succeeded();
    return { user: found.user, token: await this.tokens.issue(found.user.id) };
  }
}
