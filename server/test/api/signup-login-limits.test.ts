import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gqlFrom, loopbackAddress } from '../support/client-address.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { codeOf, TestServer, type GraphQLResponse } from '../support/server.js';
import { pgliteTarget, relationalTargets } from '../support/targets.js';
import { uniqueName } from '../support/users.js';

const SIGNUP = `mutation ($u: String!) { signup(username: $u, password: "correct horse battery") { user { username } } }`;
const LOGIN = `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`;
const RIGHT = 'correct horse battery';
const WRONG = 'wrong horse battery';

/**
 * Counts scrypt calls (password hashes and verifications) while a test runs:
 * the server runs in this process, and its `import { scrypt }` binding follows
 * `node:crypto` once the builtin's ESM exports are synced.
 */
function countScrypt() {
  const original = crypto.scrypt;
  let calls = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  crypto.scrypt = ((...args: unknown[]) => {
    calls++;
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    const done = args.pop() as (...r: unknown[]) => void;
    return (original as (...a: unknown[]) => void)(...args, (...result: unknown[]) => {
      inFlight--;
      done(...result);
    });
  }) as typeof original;
  syncBuiltinESMExports();
  return {
    get calls() {
      return calls;
    },
    /** The most scrypt computations that ran at once. */
    get maxInFlight() {
      return maxInFlight;
    },
    restore() {
      crypto.scrypt = original;
      syncBuiltinESMExports();
    },
  };
}

const retryAfterMs = (result: GraphQLResponse): number | undefined =>
  (result.errors?.[0]?.extensions as { retryAfterMs?: number } | undefined)?.retryAfterMs;

// The limits live in the rate limiter: in process on the embedded setup, in Redis with REDIS_URL.
const setups = [
  { name: 'pglite, in-process limiter', target: pgliteTarget, env: {} as Record<string, string> },
  ...(redisSkipReason
    ? []
    : relationalTargets.filter((t) => t.name === 'postgres').map((target) => ({ name: 'postgres, Redis limiter', target, env: { REDIS_URL } }))),
];

describe.each(setups)('signup and login limits ($name)', ({ target, env }) => {
  let server: TestServer;
  let scrypt: ReturnType<typeof countScrypt> | undefined;

  beforeAll(async () => {
    server = await TestServer.start(target, {
      ...env,
      SIGNUP_RATE_LIMIT: '3/3600s',
      LOGIN_RATE_LIMIT: '3/60s',
      LOGIN_IP_RATE_LIMIT: '5/300s',
      LOGIN_SUCCESS_RATE_LIMIT: '10/60s',
    });
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(() => {
    scrypt?.restore();
    scrypt = undefined;
  });

  const createUser = async (): Promise<string> => {
    const username = uniqueName();
    expect(codeOf(await gqlFrom(server, loopbackAddress(), SIGNUP, { u: username }))).toBeUndefined();
    return username;
  };
  const login = (address: string, username: string, password: string) => gqlFrom(server, address, LOGIN, { u: username, p: password });

  it('SIGNUP_RATE_LIMIT counts every signup of an address, aliased ones too, before hashing', async () => {
    const address = loopbackAddress();
    const names = Array.from({ length: 5 }, () => uniqueName());
    const aliased = `mutation { ${names.map((u, i) => `s${i}: signup(username: "${u}", password: "${RIGHT}") { user { username } }`).join(' ')} }`;
    scrypt = countScrypt();
    const result = await gqlFrom(server, address, aliased);
    // signup is non-null, so the fourth alias's refusal ends the (serial) mutation and nulls its data.
    expect(result.errors?.map((e) => [e.path?.[0], e.extensions?.code])).toEqual([['s3', 'RATE_LIMITED']]);
    expect(retryAfterMs(result)).toBeGreaterThan(3_500_000);
    expect(retryAfterMs(result)).toBeLessThanOrEqual(3_600_000);
    // Three hashes for three accounts: the refused one cost none.
    expect(scrypt.calls).toBe(3);
    expect(codeOf(await gqlFrom(server, address, SIGNUP, { u: uniqueName() }))).toBe('RATE_LIMITED');
    expect(scrypt.calls).toBe(3);
    // The first three accounts exist, the refused one does not; other addresses are not limited.
    for (const name of names.slice(0, 3)) expect(codeOf(await gqlFrom(server, loopbackAddress(), SIGNUP, { u: name }))).toBe('CONFLICT');
    expect(codeOf(await gqlFrom(server, loopbackAddress(), SIGNUP, { u: names[3] }))).toBeUndefined();
  });

  it('a sprayer from one address is stopped after LOGIN_IP_RATE_LIMIT failures, across usernames, without verifying more passwords', async () => {
    const users = [await createUser(), await createUser()];
    const sprayer = loopbackAddress();
    scrypt = countScrypt();
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(codeOf(await login(sprayer, i < 2 ? users[i] : uniqueName(), WRONG)));
    expect(answers).toEqual([...Array(5).fill('UNAUTHENTICATED'), ...Array(7).fill('RATE_LIMITED')]);
    expect(scrypt.calls).toBe(5);
    // Even the right password is refused from that address, unverified; the users sign in from theirs.
    const refused = await login(sprayer, users[0], RIGHT);
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    expect(retryAfterMs(refused)).toBeGreaterThan(0);
    expect(retryAfterMs(refused)).toBeLessThanOrEqual(300_000);
    expect(scrypt.calls).toBe(5);
    expect(codeOf(await login(loopbackAddress(), users[0], RIGHT))).toBeUndefined();
  });

  it("a lockout attack from one address does not stop the user's right password from another", async () => {
    const victim = await createUser();
    const attacker = loopbackAddress();
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(codeOf(await login(attacker, victim, WRONG)));
    // Three failures lock the username for addresses that failed recently, the attacker's first.
    expect(answers).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED', 'RATE_LIMITED']);

    scrypt = countScrypt();
    // The victim, from an address with no recent failure: the password is checked, and it is right.
    const home = loopbackAddress();
    expect(codeOf(await login(home, victim, RIGHT))).toBeUndefined();
    expect(scrypt.calls).toBe(1);
    // A mistake from home is checked and counted; then home too waits for the username's window.
    expect(codeOf(await login(home, victim, WRONG))).toBe('UNAUTHENTICATED');
    expect(scrypt.calls).toBe(2);
    const locked = await login(home, victim, RIGHT);
    expect(codeOf(locked)).toBe('RATE_LIMITED');
    expect(retryAfterMs(locked)).toBeLessThanOrEqual(60_000);
    expect(scrypt.calls).toBe(2);
    // The attacker, refused, verified no password at all.
    expect(codeOf(await login(attacker, victim, RIGHT))).toBe('RATE_LIMITED');
    expect(scrypt.calls).toBe(2);
    // Another clean address still gets in.
    expect(codeOf(await login(loopbackAddress(), victim, RIGHT))).toBeUndefined();
  });

  it('a successful login is not a failure: signing in again and again from one address is limited by LOGIN_SUCCESS_RATE_LIMIT only', async () => {
    const user = await createUser();
    const address = loopbackAddress();
    for (let i = 0; i < 8; i++) expect(codeOf(await login(address, user, RIGHT))).toBeUndefined();
    expect(codeOf(await login(address, user, WRONG))).toBe('UNAUTHENTICATED');
    expect(codeOf(await login(address, user, RIGHT))).toBeUndefined();
  });

  it('attempts refused by the username lock do not count against the address: its other users still sign in', async () => {
    const [victim, neighbour] = [await createUser(), await createUser()];
    const attacker = loopbackAddress();
    for (let i = 0; i < 3; i++) expect(codeOf(await login(attacker, victim, WRONG))).toBe('UNAUTHENTICATED');
    // One office behind one address: someone mistypes the locked username's password once, then retries and is refused.
    const office = loopbackAddress();
    expect(codeOf(await login(office, victim, WRONG))).toBe('UNAUTHENTICATED');
    for (let i = 0; i < 6; i++) expect(codeOf(await login(office, victim, RIGHT))).toBe('RATE_LIMITED');
    // Those refusals were no failures: the office has one failure of its five, so a colleague signs in.
    expect(codeOf(await login(office, neighbour, RIGHT))).toBeUndefined();
    // Four more real failures use up its five.
    for (let i = 0; i < 4; i++) expect(codeOf(await login(office, uniqueName(), WRONG))).toBe('UNAUTHENTICATED');
    expect(codeOf(await login(office, neighbour, RIGHT))).toBe('RATE_LIMITED');
  });

  it('LOGIN_SUCCESS_RATE_LIMIT caps successful logins per address, refusing further ones unverified', async () => {
    const users = [await createUser(), await createUser()];
    const checker = loopbackAddress();
    for (let i = 0; i < 10; i++) expect(codeOf(await login(checker, users[i % 2], RIGHT))).toBeUndefined();
    scrypt = countScrypt();
    // A stolen list cannot be checked faster: right or wrong, the answer is the same and no password is verified.
    const right = await login(checker, users[0], RIGHT);
    expect(codeOf(right)).toBe('RATE_LIMITED');
    expect(retryAfterMs(right)).toBeLessThanOrEqual(60_000);
    expect(codeOf(await login(checker, users[1], WRONG))).toBe('RATE_LIMITED');
    expect(scrypt.calls).toBe(0);
    // Failed attempts do not use the success budget, and other addresses have their own.
    expect(codeOf(await login(loopbackAddress(), users[0], RIGHT))).toBeUndefined();
  });

  it('runs at most two password hashes or verifications at once, however many signups and logins arrive', async () => {
    const user = await createUser();
    scrypt = countScrypt();
    const answers = await Promise.all([
      ...Array.from({ length: 6 }, () => gqlFrom(server, loopbackAddress(), SIGNUP, { u: uniqueName() })),
      ...Array.from({ length: 3 }, () => login(loopbackAddress(), user, RIGHT)),
    ]);
    expect(answers.map(codeOf)).toEqual(Array(9).fill(undefined));
    expect(scrypt.calls).toBe(9);
    expect(scrypt.maxInFlight).toBe(2);
  });
});
