import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { TokenService } from '../../src/domain/tokens.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const USER = '0b4f8e1c-3d2a-4c5b-9e6f-7a8b9c0d1e2f';
const key = new TextEncoder().encode(SECRET);
const sign = (subject: string, exp: number | string) =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(subject).setIssuer('parley').setExpirationTime(exp).sign(key);

describe('TokenService', () => {
  it('verifies its own tokens, again and again, and refuses others', async () => {
    const tokens = new TokenService(SECRET);
    const token = await tokens.issue(USER);
    expect(await tokens.verify(token)).toBe(USER);
    expect(await tokens.verify(token)).toBe(USER);
    expect(await new TokenService(`${SECRET}-other`).verify(token)).toBeNull();
    expect(await tokens.verify(`${token}x`)).toBeNull();
    expect(await tokens.fromAuthorization(`bearer ${token}`)).toBe(USER);
    expect(await tokens.fromAuthorization(token)).toBeNull();
  });

  it('stops trusting a remembered token once it expires', async () => {
    const tokens = new TokenService(SECRET);
    const exp = Math.floor(Date.now() / 1000) + 1;
    const shortLived = await sign(USER, exp);
    expect(await tokens.verify(shortLived)).toBe(USER);
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50));
    expect(await tokens.verify(shortLived)).toBeNull();
  });

  it('refuses a token of the right secret whose subject is no user id', async () => {
    const tokens = new TokenService(SECRET);
    for (const subject of ['user-1', '', "1' OR '1'='1", `${USER}x`]) expect(await tokens.verify(await sign(subject, '1h')), subject).toBeNull();
  });

  it('issues tokens for the configured lifetime and says when they expire', async () => {
    const tokens = new TokenService(SECRET, { lifetimeMs: 90_000 });
    const before = Date.now();
    const grant = await tokens.grantFromAuthorization(`Bearer ${await tokens.issue(USER)}`);
    expect(grant?.userId).toBe(USER);
    expect(grant!.expiresAt - before).toBeGreaterThan(88_000);
    expect(grant!.expiresAt - before).toBeLessThanOrEqual(91_000);
  });

  it('a bot token has no expiry and carries its id; a person-style token without expiry, or a bot claim that is no id, is refused', async () => {
    const tokens = new TokenService(SECRET, { lifetimeMs: 1000 });
    const tokenId = '6a1d7c52-93b4-4e0f-8d21-5f3c2b1a0e9d';
    const grant = await tokens.grant(await tokens.issueBot(USER, tokenId));
    expect(grant).toEqual({ userId: USER, expiresAt: Infinity, botTokenId: tokenId });
    const person = await tokens.grant(await tokens.issue(USER));
    expect(person?.botTokenId).toBeUndefined();
    expect(person?.expiresAt).toBeLessThan(Date.now() + 2000);
    const unsigned = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(USER).setIssuer('parley');
    expect(await tokens.grant(await unsigned({}).sign(key))).toBeNull();
    expect(await tokens.grant(await unsigned({ bti: 'not-an-id' }).sign(key))).toBeNull();
    // A bot token never expires, so one that says it does is none Parley issued.
    expect(await tokens.grant(await unsigned({ bti: tokenId }).setExpirationTime('1h').sign(key))).toBeNull();
  });

  it('refuses every token Parley did not sign as it signs: another algorithm, none, extra header demands, a foreign issuer, bad time claims, malformed parts', async () => {
    const tokens = new TokenService(SECRET);
    const now = Math.floor(Date.now() / 1000);
    const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
    /** A token signed with the right secret over any header and claims, as an attacker who had it could not, but a bug could. */
    const forge = (header: unknown, claims: unknown, alg = 'sha256') => {
      const input = `${b64(header)}.${b64(claims)}`;
      return `${input}.${createHmac(alg, SECRET).update(input).digest('base64url')}`;
    };
    const good = { sub: USER, iss: 'parley', iat: now, exp: now + 3600 };
    // The control: the same forge with Parley's own header and claims is accepted.
    expect(await tokens.verify(forge({ alg: 'HS256' }, good))).toBe(USER);
    expect(await tokens.verify(forge({ alg: 'HS256', typ: 'JWT' }, good))).toBe(USER);

    const refused: Record<string, string> = {
      'alg none': `${b64({ alg: 'none' })}.${b64(good)}.`,
      'alg none with a signature': forge({ alg: 'none' }, good),
      'HS512 header over an HS256 signature': forge({ alg: 'HS512' }, good),
      'HS512 for real': forge({ alg: 'HS512' }, good, 'sha512'),
      'RS256 header': forge({ alg: 'RS256' }, good),
      'crit header': forge({ alg: 'HS256', crit: ['exp'] }, good),
      'unencoded payload (b64: false)': forge({ alg: 'HS256', b64: false, crit: ['b64'] }, good),
      'header not an object': forge(['HS256'], good),
      'claims not an object': forge({ alg: 'HS256' }, [good]),
      'claims not JSON': `${b64({ alg: 'HS256' })}.${b64('not json')}.${createHmac('sha256', SECRET).update(`${b64({ alg: 'HS256' })}.${b64('not json')}`).digest('base64url')}`,
      'foreign issuer': forge({ alg: 'HS256' }, { ...good, iss: 'someone-else' }),
      'no issuer': forge({ alg: 'HS256' }, { ...good, iss: undefined }),
      expired: forge({ alg: 'HS256' }, { ...good, exp: now - 1 }),
      'expiry a string': forge({ alg: 'HS256' }, { ...good, exp: String(now + 3600) }),
      'not yet valid (nbf)': forge({ alg: 'HS256' }, { ...good, nbf: now + 3600 }),
      'nbf a string': forge({ alg: 'HS256' }, { ...good, nbf: 'soon' }),
      'iat a string': forge({ alg: 'HS256' }, { ...good, iat: 'today' }),
      'two parts': `${b64({ alg: 'HS256' })}.${b64(good)}`,
      'four parts': `${forge({ alg: 'HS256' }, good)}.x`,
      'padding in a part': `${forge({ alg: 'HS256' }, good)}=`,
      'a character outside base64url': forge({ alg: 'HS256' }, good).replace('.', '.+'),
      'signature cut short': forge({ alg: 'HS256' }, good).slice(0, -2),
      'empty': '',
    };
    for (const [what, token] of Object.entries(refused)) expect(await tokens.verify(token), what).toBeNull();
  });

  it('accepts a token in its one spelling only: a signature whose last character carries set padding bits is refused', async () => {
    const tokens = new TokenService(SECRET);
    const token = await tokens.issue(USER);
    // 32 bytes are 43 characters of 6 bits: the last one's low 2 bits are padding, and a lenient decode ignores them.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.at(-1)!);
    expect(last & 3).toBe(0);
    for (const bits of [1, 2, 3]) {
      const respelled = `${token.slice(0, -1)}${alphabet[last | bits]}`;
      // The same bytes: each spelling would be one more entry in the verified-token cache, one more "token" in anything keyed by it.
      expect(Buffer.from(respelled.split('.')[2], 'base64url')).toEqual(Buffer.from(token.split('.')[2], 'base64url'));
      expect(await tokens.verify(respelled), `low bits ${bits}`).toBeNull();
    }
    expect(await tokens.verify(token)).toBe(USER);
  });
});
