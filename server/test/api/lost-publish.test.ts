import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlMessageStore } from '../../src/message-store/sql-message-store.js';
import { SqlChatRepository } from '../../src/relational/chat-repository.js';
import { openRelational, type RelationalOrm } from '../../src/relational/orm.js';
import { subscribeMessages, TestServer } from '../support/server.js';
import { postgresTarget, relationalTargets } from '../support/targets.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { directChat, send, signup } from '../support/users.js';

/*
 * A message can be stored and recorded yet never published: the process died
 * between store and publish, or Redis lost the publish. Here the test writes
 * it itself, the way a persister that died right after recording would have
 * left it, into the database the server uses (which is why this needs
 * PostgreSQL: PGlite belongs to one process).
 */

const buses = [
  { name: 'the in-process bus', env: {} as Record<string, string>, skip: null as string | null },
  { name: 'Redis', env: { REDIS_URL }, skip: redisSkipReason },
];
const canRun = relationalTargets.includes(postgresTarget);
if (!canRun) console.warn('SKIPPED lost publish suite: it needs the machine PostgreSQL');

describe.each(buses)('a message stored but never published, PostgreSQL with $name', ({ env, skip }) => {
  const suite = canRun && !skip ? describe : describe.skip;
  suite('', () => {
    let storage: Awaited<ReturnType<typeof postgresTarget.provision>>;
    let server: TestServer;
    let orm: RelationalOrm;
    beforeAll(async () => {
      storage = await postgresTarget.provision();
      server = await TestServer.attach(storage, { ...env, LIVE_CHECK_INTERVAL_MS: '200' });
      orm = await openRelational({ databaseUrl: storage.databaseUrl, dataDir: storage.dataDir, poolSize: 2 });
    });
    afterAll(async () => {
      await server?.stop();
      await orm?.close();
      await storage?.dispose();
    });

    it('reaches a live subscriber without another message after it', async () => {
      const [ada, bob] = [await signup(server), await signup(server)];
      const chatId = await directChat(server, ada, bob);
      await send(server, ada, chatId, 'published');
      const ws = server.wsClient(bob.token);
      const live = subscribeMessages(ws, chatId, 0);
      try {
        expect((await live.waitFor(1)).map((m) => m.seq)).toEqual([1]);

        const lost = { id: randomUUID(), chatId, seq: 2, senderId: ada.id, body: 'stored, recorded, never published', clientId: 'lost-1', createdAt: new Date() };
        expect(await new SqlMessageStore(orm).insertMany([lost])).toBe(1);
        await new SqlChatRepository(orm).recordActivity([
          { chatId, lastSeq: 2, lastMessageId: lost.id, at: lost.createdAt, senderSeqs: [{ senderId: ada.id, seq: 2 }] },
        ]);

        const [, second] = await live.waitFor(2);
        expect(second).toMatchObject({ seq: 2, body: lost.body });
        // Later messages carry on from it, once each.
        await send(server, ada, chatId, 'after');
        expect((await live.waitFor(3)).map((m) => m.seq)).toEqual([1, 2, 3]);
      } finally {
        live.close();
        await ws.dispose();
      }
    });
  });
});
