import { jwtVerify, SignJWT } from 'jose';

const ISSUER = 'parley';
const LIFETIME = '30d';

/** Signs and verifies the bearer tokens clients send over HTTP and graphql-ws. */
export class TokenService {
  private readonly key: Uint8Array;

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
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      return typeof payload.sub === 'string' ? payload.sub : null;
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
