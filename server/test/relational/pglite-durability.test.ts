import { describe, expect, it } from 'vitest';
import { openRelational } from '../../src/relational/orm.js';
import { watchFlushes } from '../support/flushes.js';
import { pgliteTarget } from '../support/targets.js';

describe.each([
  { durable: true, fsync: 'on', walSyncMethod: 'fsync' },
  { durable: false, fsync: 'off', walSyncMethod: 'fdatasync' },
])('PGlite opened with durable: $durable', ({ durable, fsync, walSyncMethod }) => {
  it(`runs Postgres with fsync ${fsync}, and each commit makes ${durable ? 'a real' : 'no'} flush of the WAL`, async () => {
    const storage = await pgliteTarget.provision();
    const orm = await openRelational({ dataDir: storage.dataDir, durable });
    const flushes = watchFlushes();
    try {
      const em = orm.em.fork();
      expect(await em.execute('show fsync')).toEqual([{ fsync }]);
      expect(await em.execute('show wal_sync_method')).toEqual([{ wal_sync_method: walSyncMethod }]);
      await em.execute('create table t (n int)');
      const before = flushes.under(storage.dataDir).length;
      for (let n = 0; n < 3; n++) await em.execute(`insert into t values (${n})`);
      const wal = flushes.under(storage.dataDir).slice(before).filter((path) => path.includes('/pg_wal/'));
      if (durable) expect(wal.length).toBeGreaterThanOrEqual(3);
      else expect(wal).toEqual([]);
    } finally {
      flushes.restore();
      await orm.close();
      await storage.dispose();
    }
  });
});
