import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openRelational } from '../../src/relational/orm.js';
import { pgliteTarget } from '../support/targets.js';

describe.each([
  { durable: true, fsync: 'on', walSyncMethod: 'fsync' },
  { durable: false, fsync: 'off', walSyncMethod: 'fdatasync' },
])('PGlite opened with durable: $durable', ({ durable, fsync, walSyncMethod }) => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it(`runs Postgres with fsync ${fsync}, and a commit makes ${durable ? 'a real' : 'no'} fsync of the WAL`, async () => {
    const storage = await pgliteTarget.provision();
    const orm = await openRelational({ dataDir: storage.dataDir, durable });
    try {
      const em = orm.em.fork();
      expect(await em.execute('show fsync')).toEqual([{ fsync }]);
      expect(await em.execute('show wal_sync_method')).toEqual([{ wal_sync_method: walSyncMethod }]);
      await em.execute('create table t (n int)');
      const synced: string[] = [];
      const real = fs.fsyncSync;
      vi.spyOn(fs, 'fsyncSync').mockImplementation((fd: number) => {
        synced.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
        return real(fd);
      });
      for (let n = 0; n < 3; n++) await em.execute(`insert into t values (${n})`);
      const wal = synced.filter((path) => path.startsWith(fs.realpathSync(storage.dataDir)) && path.includes('/pg_wal/'));
      if (durable) expect(wal.length).toBeGreaterThanOrEqual(3);
      else expect(wal).toEqual([]);
    } finally {
      await orm.close();
      await storage.dispose();
    }
  });
});
