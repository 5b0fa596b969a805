import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DomainError, forbidden } from '../src/domain/errors.js';
import { openRelational } from '../src/relational/orm.js';
import { isEngineFailure, withEngineFailuresUnavailable } from '../src/support/engine-failure.js';
import { freePort } from './support/redis.js';
import { relationalTargets } from './support/targets.js';

/** The error a real call produced. */
const failureOf = (call: () => Promise<unknown>): Promise<unknown> => call().then(() => null, (error: unknown) => error);

describe('engine failures', () => {
  it('are told apart from bugs by the errors real drivers raise', async () => {
    const port = await freePort();
    const refused = await failureOf(async () => {
      const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/none`, connectionTimeoutMillis: 2000 });
      try {
        await client.connect();
      } finally {
        await client.end().catch(() => undefined);
      }
    });
    expect(isEngineFailure(refused)).toBe(true);
    expect(isEngineFailure(new Error('wrapped', { cause: refused }))).toBe(true);
    expect(isEngineFailure(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isEngineFailure('a string')).toBe(false);
  });

  it.each(relationalTargets)('leave a SQL error on $name a bug, not UNAVAILABLE', async (target) => {
    const storage = await target.provision();
    const orm = await openRelational(storage);
    try {
      const syntax = await failureOf(() => orm.em.fork().execute('selec 1'));
      const missingTable = await failureOf(() => orm.em.fork().execute('select * from no_such_table'));
      expect(isEngineFailure(syntax)).toBe(false);
      expect(isEngineFailure(missingTable)).toBe(false);
    } finally {
      await orm.close();
      await storage.dispose();
    }
  });

  it('become UNAVAILABLE through a wrapped port, keeping the cause; everything else passes unchanged', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const bug = new TypeError('x is not a function');
    const denied = forbidden('You are not a member of this chat');
    const port = withEngineFailuresUnavailable({
      flag: 42,
      down: async () => Promise.reject(refused),
      bug: async () => Promise.reject(bug),
      denied: async () => Promise.reject(denied),
      throwsAtOnce: (): number => {
        throw refused;
      },
      ok: async (n: number) => n + 1,
    });
    const down = await failureOf(() => port.down());
    expect(down).toBeInstanceOf(DomainError);
    expect(down).toMatchObject({ code: 'UNAVAILABLE', cause: refused });
    expect(() => port.throwsAtOnce()).toThrow(DomainError);
    expect(await failureOf(() => port.bug())).toBe(bug);
    expect(await failureOf(() => port.denied())).toBe(denied);
    expect(await port.ok(1)).toBe(2);
    expect(port.flag).toBe(42);
  });
});
