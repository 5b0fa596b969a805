import { SignJWT } from 'jose';
import { VERIFIED_TOKENS_MAX } from '../config/tuning.js';
import { BoundedMap } from '../support/bounded-map.js';
import { verifiedHs256Claims } from './hs256.js';
import { parseId } from './ids.js';

const ISSUER = 'parley';
const DEFAULT_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

/** The claim naming a bot token's id: the token is valid while the bot's row still names it (bot-service.ts). */
const BOT_TOKEN_CLAIM = 'bti';

/** Who a valid token names, and until when it may be used. */
export interface TokenGrant {
  userId: string;
  /** Epoch milliseconds; Infinity for a bot token, which lasts until its owner revokes it. */
  expiresAt: number;
  /**
   * A bot token's id. The signature alone does not make it valid: it must
   * still be the bot's current token, which only the database knows.
   */
  botTokenId?: string;
}

export interface TokenOptions {
  /** How long an issued token is valid (config: TOKEN_LIFETIME). */
  lifetimeMs?: number;
}

/** Signs and verifies the bearer tokens clients send over HTTP and graphql-ws. */
export class TokenService {
  private readonly key: Uint8Array;
  private readonly lifetimeSeconds: number;
  /**
   * Every request carries the same token again and again: a verified token is
   * trusted until its own expiry, and only its first use costs an HMAC.
   */
  private readonly verified = new BoundedMap<string, TokenGrant>({ max: VERIFIED_TOKENS_MAX });

  constructor(secret: string, { lifetimeMs = DEFAULT_LIFETIME_MS }: TokenOptions = {}) {
    this.key = new TextEncoder().encode(secret);
    this.lifetimeSeconds = Math.max(1, Math.round(lifetimeMs / 1000));
  }

  issue(userId: string): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${this.lifetimeSeconds}s`)
      .sign(this.key);
  }

  /**
   * A bot's token: no expiry, and the id of this token as a claim, so that
   * revoking it (forgetting the id) needs no list of revoked tokens.
   */
  issueBot(botId: string, tokenId: string): Promise<string> {
    return new SignJWT({ [BOT_TOKEN_CLAIM]: tokenId }).setProtectedHeader({ alg: 'HS256' }).setSubject(botId).setIssuer(ISSUER).setIssuedAt().sign(this.key);
  }

  /**
   * The user and expiry a valid token names, or null for a bad, expired or
   * foreign token. A bot token's grant carries its id: whether the bot still
   * holds it is for the caller to check (Authentication does), since this
   * cache cannot know of a revocation.
   */
  async grant(token: string): Promise<TokenGrant | null> {
    const known = this.verified.peek(token);
    if (known && known.expiresAt > Date.now()) return known;
    if (known) this.verified.delete(token);
    let subject: unknown;
    let expiresAt: number;
    let botTokenId: string | undefined;
    const payload = verifiedHs256Claims(token, this.key, ISSUER);
    if (!payload) return null;
    subject = payload.sub;
    const claim = payload[BOT_TOKEN_CLAIM];
    if (claim !== undefined) {
      // A bot token never expires; one with a malformed id is no token Parley issued.
      botTokenId = idOrNull(claim, 'bot token id') ?? undefined;
      if (botTokenId === undefined || payload.exp !== undefined) return null;
      expiresAt = Infinity;
    } else {
      // Every person's token expires: one without an expiry is refused.
      if (typeof payload.exp !== 'number') return null;
      expiresAt = payload.exp * 1000;
    }
    // Parley only issues tokens for user ids; a signed token naming anything else is refused, not looked up.
    const userId = idOrNull(subject, 'token subject');
    if (userId === null) return null;
    const grant: TokenGrant = botTokenId === undefined ? { userId, expiresAt } : { userId, expiresAt, botTokenId };
    this.verified.set(token, grant);
    return grant;
  }

  /** The user id a valid token names, or null. */
  async verify(token: string): Promise<string | null> {
    return (await this.grant(token))?.userId ?? null;
  }

  /** Accepts `Bearer <token>` (any case). */
  async grantFromAuthorization(header: unknown): Promise<TokenGrant | null> {
    if (typeof header !== 'string') return null;
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    return match ? this.grant(match[1]) : null;
  }

  /** Accepts `Bearer <token>` (any case) and returns the user id, or null. */
  async fromAuthorization(header: unknown): Promise<string | null> {
    return (await this.grantFromAuthorization(header))?.userId ?? null;
  }
}

function idOrNull(value: unknown, what: string): string | null {
  if (typeof value !== 'string') return null;
  try {
    return parseId(value, what);
  } catch {
    return null;
  }
}
