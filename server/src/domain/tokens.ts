import { jwtVerify, SignJWT } from 'jose';

const ISSUER = 'parley';
const LIFETIME = '30d';

/** Verified tokens remembered per process; bounded, oldest dropped first. */
const VERIFIED_MAX = 10_000;

/** Signs and verifies the bearer tokens clients send over HTTP and graphql-ws. */
export class TokenService {
  private readonly key: Uint8Array;
  /**
   * Every request carries the same token again and again, and WebCrypto HMAC
   * costs an async job each time (a quarter of the server's CPU in the send
   * benchmark): a verified token is trusted until its own expiry.
   */
  private readonly verified = new Map<string, { userId: string; expiresAt: number }>();

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  issue(userId: string): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(LIFETIME)
      .sign(this.key);
  }

  /** The user id a valid token names, or null for a bad, expired or foreign token. */
  async verify(token: string): Promise<string | null> {
    const known = this.verified.get(token);
    if (known && known.expiresAt > Date.now()) return known.userId;
    if (known) this.verified.delete(token);
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return null;
      if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { userId: payload.sub, expiresAt: payload.exp * 1000 });
      return payload.sub;
    } catch {
      return null;
    }
  }

  /** Accepts `Bearer <token>` (any case) and returns the user id, or null. */
  async fromAuthorization(header: unknown): Promise<string | null> {
    if (typeof header !== 'string') return null;
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    return match ? this.verify(match[1]) : null;
  }
}
