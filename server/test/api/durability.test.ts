import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchFlushes } from '../support/flushes.js';
import { TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';
import { directChat, send, signup } from '../support/users.js';

/**
 * Embedded mode keeps everything in PGlite under DATA_DIR. An acknowledged
 * send must be on disk: the real fsync(2)/fdatasync(2) calls that reach files
 * of the data folder are what says so (Postgres asks for a flush at commit;
 * PGlite's file system must pass it on).
 */
describe('embedded durability', () => {
  let flushes: ReturnType<typeof watchFlushes>;
  beforeEach(() => {
    flushes = watchFlushes();
  });
  afterEach(() => {
    flushes.restore();
  });

  it('flushes a send to disk before acknowledging it, by default', async () => {
    const server = await TestServer.start(pgliteTarget);
    try {
      const ada = await signup(server);
      const bob = await signup(server);
      const chatId = await directChat(server, ada, bob);
      const before = flushes.under(server.dataDir).length;
      await send(server, ada, chatId, 'on disk once answered');
      // Counted once the answer is in: the write-ahead log, what a commit flushes, reached the disk first.
      expect(flushes.under(server.dataDir).slice(before).some((path) => path.includes('/pg_wal/'))).toBe(true);
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
      expect(flushes.under(server.dataDir)).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});
