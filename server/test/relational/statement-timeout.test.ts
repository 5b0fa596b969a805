import { describe, expect, it } from 'vitest';
import { migrateRelational, openRelational } from '../../src/relational/orm.js';
import { isEngineFailure } from '../../src/support/engine-failure.js';
import { postgresTarget, relationalTargets } from '../support/targets.js';

/*
 * DATABASE_STATEMENT_TIMEOUT_MS bounds every statement of a request, and
 * PostgreSQL's cancellation is an engine failure (UNAVAILABLE to clients).
 * Migrations are not requests: an index over every message may take minutes,
 * so they run on a connection of their own without the deadline.
 */

const canRun = relationalTargets.includes(postgresTarget);

describe.skipIf(!canRun)('the PostgreSQL statement deadline', () => {
  it('cancels a statement past it as an engine failure; 0 (migrations) means none', async () => {
    const storage = await postgresTarget.provision();
    const options = { ...storage, statementTimeoutMs: 200 };
    const orm = await openRelational(options);
    try {
      const failure = await orm.em
        .fork()
        .execute('select pg_sleep(0.6)')
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(failure).toMatchObject({ code: '57014' });
      expect(isEngineFailure(failure)).toBe(true);

      // No deadline (0), the mode migrations run in: the same statement completes.
      const unbounded = await openRelational({ ...storage, statementTimeoutMs: 0 });
      try {
        await unbounded.em.fork().execute('select pg_sleep(0.6)');
      } finally {
        await unbounded.close();
      }
      expect((await migrateRelational(orm, options)).length).toBeGreaterThan(0);
    } finally {
      await orm.close();
      await storage.dispose();
    }
  });
});
