import { createHmac, timingSafeEqual } from 'node:crypto';

/** A JWS compact segment: base64url without padding, nothing else. */
const SEGMENT = /^[A-Za-z0-9_-]+$/;

const decodeObject = (segment: string): Record<string, unknown> | null => {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

/**
 * The claims of an HS256 JWT whose signature `key` made, whose issuer is
 * `issuer` and which has not expired (nor is it before its `nbf`), or null.
 * Parley issues its tokens with jose; verifying them with jose costs a
 * WebCrypto job per token (about 200 µs, 15% of a worker's CPU while 100,000
 * sockets connect), where node:crypto's HMAC takes a few microseconds. Only
 * what Parley issues is accepted: header `alg` HS256 and nothing that asks
 * for more (`crit`, `b64`), a signature compared in constant time, and the
 * time claims checked as jose checks them (no clock tolerance).
 */
export function verifiedHs256Claims(token: string, key: Uint8Array, issuer: string, nowSeconds = Date.now() / 1000): Record<string, unknown> | null {
  // At most four parts: a header of dots alone does not become a string per dot.
  const parts = token.split('.', 4);
  if (parts.length !== 3 || !parts.every((part) => SEGMENT.test(part))) return null;
  const [headerPart, payloadPart, signaturePart] = parts;
  const header = decodeObject(headerPart);
  if (!header || header.alg !== 'HS256' || 'crit' in header || 'b64' in header) return null;
  const expected = createHmac('sha256', key).update(`${headerPart}.${payloadPart}`).digest();
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  // The decode ignores the last character's padding bits: four spellings of one signature would each
  // pass (and each take a place in the verified-token cache). Only the one jose issues is accepted.
  if (expected.toString('base64url') !== signaturePart) return null;
  const claims = decodeObject(payloadPart);
  if (!claims || claims.iss !== issuer) return null;
  const { exp, nbf, iat } = claims;
  if (iat !== undefined && typeof iat !== 'number') return null;
  if (exp !== undefined && (typeof exp !== 'number' || !(exp > nowSeconds))) return null;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds)) return null;
  return claims;
}
