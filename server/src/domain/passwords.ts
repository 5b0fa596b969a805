import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { Semaphore } from '../support/semaphore.js';

/*
 * scrypt is memory-hard and ships with Node, so no native addon has to match
 * the Node version. Parameters are stored with each hash so they can be raised
 * later without invalidating existing passwords.
 */
const PARAMS = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

/**
 * Hashes and verifications in flight per process. Each takes ~32 MiB and one
 * libuv thread (of four, shared with file and DNS work) for tens of ms: a
 * burst of signups would otherwise take every thread and the memory, and
 * logins (and everything else on the pool) would wait behind all of it. Two
 * leave threads free; the rest queue in arrival order, so a login waits for
 * at most the hashes already queued, and signups are capped per address.
 */
const HASHES_IN_FLIGHT = 2;
const slots = new Semaphore(HASHES_IN_FLIGHT);

const derive = (password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> =>
  slots.run(
    () =>
      new Promise((resolve, reject) => {
        const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
        scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key)));
      }),
  );

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Verified against when the user does not exist, so both paths take the same time. */
export const DECOY_HASH = await hashPassword(randomBytes(16).toString('hex'));
