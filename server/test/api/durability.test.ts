import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';
import { directChat, send, signup } from '../support/users.js';

/**
 * Embedded mode keeps everything in PGlite under DATA_DIR. An acknowledged
 * send must be on disk: the real fsync(2) calls that reach files of the data
 * folder are what says so (Postgres asks for them at commit; PGlite's file
 * system must pass them on). Recorded by watching Node's fs.fsyncSync, which
 * is what PGlite's Node file system calls, and resolving each descriptor to
 * its file.
 */
describe('embedded durability', () => {
  let synced: string[];
  beforeEach(() => {
    synced = [];
    const fsync = fs.fsyncSync;
    vi.spyOn(fs, 'fsyncSync').mockImplementation((fd: number) => {
      synced.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
      return fsync(fd);
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const syncedUnder = (dir: string) => synced.filter((path) => path.startsWith(fs.realpathSync(dir)));

  it('flushes a send to disk before acknowledging it, by default', async () => {
    const server = await TestServer.start(pgliteTarget);
    try {
      const ada = await signup(server);
      const bob = await signup(server);
      const chatId = await directChat(server, ada, bob);
      const before = syncedUnder(server.dataDir).length;
      await send(server, ada, chatId, 'on disk once answered');
      const during = syncedUnder(server.dataDir).slice(before);
      // The write-ahead log is what a commit flushes.
      expect(during.some((path) => path.includes('/pg_wal/'))).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('skips the flush with PGLITE_FSYNC=off', async () => {
    const server = await TestServer.start(pgliteTarget, { PGLITE_FSYNC: 'off' });
    try {
      const ada = await signup(server);
      const bob = await signup(server);
      const chatId = await directChat(server, ada, bob);
      for (let i = 0; i < 5; i++) await send(server, ada, chatId, `not flushed ${i}`);
      expect(syncedUnder(server.dataDir)).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});
