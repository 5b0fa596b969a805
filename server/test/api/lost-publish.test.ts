import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlMessageStore } from '../../src/message-store/sql-message-store.js';
import { SqlChatRepository } from '../../src/relational/chat-repository.js';
import { openRelational, type RelationalOrm } from '../../src/relational/orm.js';
import { subscribeMessages, TestServer } from '../support/server.js';
import { storedMessage } from '../support/stored-message.js';
import { postgresTarget, relationalTargets } from '../support/targets.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { directChat, send, signup } from '../support/users.js';
import { chatEventsOf } from '../support/chat-events.js';
import { until } from '../support/until.js';

/*
 * The realtime bus can lose a publish: the process died between storing and
 * publishing, or Redis dropped it. Here the test makes the database change
 * itself, the way a persister that died right after recording (or a leave
 * whose publish was lost) would have left it, in the database the server uses
 * (which is why this needs PostgreSQL: PGlite belongs to one process).
 */

const buses = [
  { name: 'the in-process bus', env: {} as Record<string, string>, skip: null as string | null },
  { name: 'Redis', env: { REDIS_URL }, skip: redisSkipReason },
];
const canRun = relationalTargets.includes(postgresTarget);
if (!canRun) console.warn('SKIPPED lost publish suite: it needs the machine PostgreSQL');

describe.each(buses.filter((bus) => canRun && !bus.skip))('a lost publish, PostgreSQL with $name', ({ env }) => {
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

  it('a read receipt recorded but never published reaches chatEvents without another receipt after it', async () => {
    const [ada, bob] = [await signup(server), await signup(server)];
    const chatId = await directChat(server, ada, bob);
    await send(server, ada, chatId, 'read me');
    const { chat } = await server.ok(`query ($c: ID!) { chat(id: $c) { eventCursor } }`, { c: chatId }, ada.token);
    const ws = server.wsClient(ada.token);
    const events = chatEventsOf(ws, chatId, chat.eventCursor);
    try {
      await send(server, ada, chatId, 'live?');
      await events.waitFor(1);
      // Bob's mark moves in the database, and its publish is lost.
      expect(await new SqlChatRepository(orm).markRead(chatId, bob.id, 2, 2)).toMatchObject({ lastReadSeq: 2 });
      await until(() => events.events.some((e) => e.__typename === 'ReadPositionMoved'));
      expect(events.events.filter((e) => e.__typename === 'ReadPositionMoved').map((e) => [e.user!.id, e.lastReadSeq])).toEqual([[bob.id, 2]]);
    } finally {
      events.close();
      await ws.dispose();
    }
  });

  it('a message stored and recorded but never published reaches a live subscriber without another message after it', async () => {
    const [ada, bob] = [await signup(server), await signup(server)];
    const chatId = await directChat(server, ada, bob);
    await send(server, ada, chatId, 'published');
    const ws = server.wsClient(bob.token);
    const live = subscribeMessages(ws, chatId, 0);
    try {
      expect((await live.waitFor(1)).map((m) => m.seq)).toEqual([1]);

      const lost = storedMessage({ id: randomUUID(), chatId, seq: 2, senderId: ada.id, body: 'stored, recorded, never published', clientId: 'lost-1', createdAt: new Date() });
      expect(await new SqlMessageStore(orm).insertMany([lost])).toBe(1);
      await new SqlChatRepository(orm).recordActivity([
        { chatId, lastSeq: 2, lastMessageId: lost.id, at: lost.createdAt, lastEventSeq: 2, textCount: 2, senderSeqs: [{ senderId: ada.id, seq: 2, textSeq: 2 }] },
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

  it('a leave that was never published still ends the leaver’s open subscription', async () => {
    const [ada, bob] = [await signup(server), await signup(server)];
    const group = await server.ok(`mutation ($m: [ID!]!) { createGroupChat(title: "g", memberIds: $m) { id } }`, { m: [bob.id] }, ada.token);
    const chatId: string = group.createGroupChat.id;
    await send(server, ada, chatId, 'before');
    const ws = server.wsClient(bob.token);
    const live = subscribeMessages(ws, chatId, 0);
    try {
      expect((await live.waitFor(1)).map((m) => m.seq)).toEqual([1]);
      // The leave's database write, as a leave whose publish was lost leaves it.
      const chats = new SqlChatRepository(orm);
      await chats.changeGroup(chatId, () => ({ remove: [bob.id], announce: [] }));
      expect(await chats.findForMember(chatId, bob.id)).toBeNull();
      expect(JSON.stringify(await live.waitForError())).toContain('FORBIDDEN');
    } finally {
      live.close();
      await ws.dispose();
    }
  });
});
