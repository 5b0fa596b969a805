import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { TokenService } from '../../src/domain/tokens.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';

describe('TokenService', () => {
  it('verifies its own tokens, again and again, and refuses others', async () => {
    const tokens = new TokenService(SECRET);
    const token = await tokens.issue('user-1');
    expect(await tokens.verify(token)).toBe('user-1');
    expect(await tokens.verify(token)).toBe('user-1');
    expect(await new TokenService(`${SECRET}-other`).verify(token)).toBeNull();
    expect(await tokens.verify(`${token}x`)).toBeNull();
    expect(await tokens.fromAuthorization(`bearer ${token}`)).toBe('user-1');
    expect(await tokens.fromAuthorization(token)).toBeNull();
  });

  it('stops trusting a remembered token once it expires', async () => {
    const tokens = new TokenService(SECRET);
    const key = new TextEncoder().encode(SECRET);
    const exp = Math.floor(Date.now() / 1000) + 1;
    const shortLived = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('u').setIssuer('parley').setExpirationTime(exp).sign(key);
    expect(await tokens.verify(shortLived)).toBe('u');
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50));
    expect(await tokens.verify(shortLived)).toBeNull();
  });
});
