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
});
