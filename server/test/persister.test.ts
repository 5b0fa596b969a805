import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageIdFor } from '../src/domain/ids.js';
import type { Message } from '../src/domain/models.js';
import type { MessageEnvelope } from '../src/event-log/port.js';
import type { MessageStore, SeqRange, TimeWindow, WindowActivity } from '../src/message-store/port.js';
import { SqlMessageStore } from '../src/message-store/sql-message-store.js';
import { LocalRealtimeBus } from '../src/realtime/local-realtime-bus.js';
import { chatChannel } from '../src/realtime/port.js';
import { SqlChatRepository } from '../src/relational/chat-repository.js';
import { migrate, openRelational, type RelationalOrm } from '../src/relational/orm.js';
import { SqlUserRepository } from '../src/relational/user-repository.js';
import { silentLogger } from '../src/support/logger.js';
import { Persister } from '../src/workers/persister.js';
import { relationalTargets } from './support/targets.js';

// Ahead of the wall clock so each message is newer than the chat it lands in.
let clock = Date.now();

/** What sendMessage would append: the id derives from (sender, clientId), as in production. */
function envelope(chatId: string, senderId: string, body: string): MessageEnvelope {
  const clientId = randomUUID();
  clock += 1000;
  return { messageId: messageIdFor(senderId, clientId), chatId, senderId, body, clientId, acceptedAt: new Date(clock).toISOString() };
}

const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/**
 * The store as the persister sees it, counting its reads and recording every
 * row it is asked to write. `prefix` writes row by row and stops at the first
 * collision, as MongoDB's ordered insert does, instead of all or nothing.
 */
class WatchedStore implements MessageStore {
  reads = 0;
  attempted: Message[] = [];

  constructor(
    private readonly inner: MessageStore,
    readonly checksReferences = inner.checksReferences,
    private readonly prefix = false,
  ) {}

  async insertMany(messages: readonly Message[]): Promise<number> {
    this.attempted.push(...messages);
    if (!this.prefix) return this.inner.insertMany(messages);
    let written = 0;
    for (const message of messages) {
      if ((await this.inner.insertMany([message])) === 0) break;
      written++;
    }
    return written;
  }

  findByIds(ids: readonly string[]): Promise<Message[]> {
    this.reads++;
    return this.inner.findByIds(ids);
  }

  maxSeqs(chatIds: readonly string[]): Promise<Map<string, number>> {
    this.reads++;
    return this.inner.maxSeqs(chatIds);
  }

  range(chatId: string, range: SeqRange): Promise<Message[]> {
    return this.inner.range(chatId, range);
  }

  activity(window: TimeWindow): Promise<WindowActivity> {
    return this.inner.activity(window);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

for (const target of relationalTargets) {
  describe(`Persister on ${target.name}`, () => {
    let storage: Awaited<ReturnType<typeof target.provision>>;
    let orm: RelationalOrm;
    let store: SqlMessageStore;
    let chats: SqlChatRepository;
    let users: SqlUserRepository;
    let bus: LocalRealtimeBus;

    beforeAll(async () => {
      storage = await target.provision();
      orm = await openRelational(storage);
      await migrate(orm);
      store = new SqlMessageStore(orm);
      chats = new SqlChatRepository(orm);
      users = new SqlUserRepository(orm);
      bus = new LocalRealtimeBus();
    });

    afterAll(async () => {
      await bus?.close();
      await orm?.close();
      await storage?.dispose();
    });

    const persister = () => new Persister(store, chats, users, bus, silentLogger);

    async function newChat(memberCount = 2) {
      const members = await Promise.all(
        Array.from({ length: memberCount }, () =>
          users.create({ id: randomUUID(), username: `p_${randomBytes(6).toString('hex')}`, displayName: 'P', passwordHash: 'x' }),
        ),
      );
      const chat = await chats.create({ kind: 'GROUP', title: 'persister', memberIds: members.map((m) => m.id), directKey: null });
      return { chatId: chat.id, memberIds: members.map((m) => m.id) };
    }

    const stored = (chatId: string) => store.range(chatId, { limit: 10_000, from: 'oldest' });
    const bodiesAndSeqs = (messages: Message[]) => messages.map((m) => [m.seq, m.body]);
    const expected = (batch: MessageEnvelope[]) => batch.map((e, i) => [i + 1, e.body]);

    it('stores envelopes delivered twice exactly once, with seqs 1..n', async () => {
      const { chatId, memberIds } = await newChat();
      const batch = upTo(20).map((i) => envelope(chatId, memberIds[i % 2], `m${i}`));
      const p = persister();
      await p.handle(batch);
      await p.handle(batch);
      await persister().handle(batch);
      expect(bodiesAndSeqs(await stored(chatId))).toEqual(expected(batch));
      expect((await stored(chatId)).map((m) => m.id)).toEqual(batch.map((e) => e.messageId));
    });

    it('finishes a batch that was interrupted midway without duplicates or holes', async () => {
      const { chatId, memberIds } = await newChat();
      const batch = upTo(30).map((i) => envelope(chatId, memberIds[0], `m${i}`));
      await persister().handle(batch.slice(0, 15));
      // A restarted worker knows nothing and gets the whole batch again.
      await persister().handle(batch);
      expect(bodiesAndSeqs(await stored(chatId))).toEqual(expected(batch));
      expect(await chats.findById(chatId)).toMatchObject({ lastSeq: 30, lastMessageId: batch[29].messageId });
    });

    it('stores duplicates within one batch once', async () => {
      const { chatId, memberIds } = await newChat();
      const [a, b, c] = ['a', 'b', 'c'].map((body) => envelope(chatId, memberIds[0], body));
      await persister().handle([a, b, a, c, b, c]);
      expect(bodiesAndSeqs(await stored(chatId))).toEqual([
        [1, 'a'],
        [2, 'b'],
        [3, 'c'],
      ]);
    });

    it('gives each chat its own seqs, continuing across batches', async () => {
      const x = await newChat();
      const y = await newChat();
      const p = persister();
      const first = upTo(10).map((i) =>
        i % 3 === 0 ? envelope(y.chatId, y.memberIds[0], `y${i}`) : envelope(x.chatId, x.memberIds[0], `x${i}`),
      );
      const second = [envelope(y.chatId, y.memberIds[1], 'y-late'), envelope(x.chatId, x.memberIds[1], 'x-late')];
      await p.handle(first);
      await p.handle(second);
      const ofChat = (chatId: string) => [...first, ...second].filter((e) => e.chatId === chatId);
      expect(bodiesAndSeqs(await stored(x.chatId))).toEqual(expected(ofChat(x.chatId)));
      expect(bodiesAndSeqs(await stored(y.chatId))).toEqual(expected(ofChat(y.chatId)));
      expect(await store.maxSeqs([x.chatId, y.chatId])).toEqual(new Map([[x.chatId, 8], [y.chatId, 4]]));
    });

    it('updates the chat summary and marks each sender read up to their own last message', async () => {
      const { chatId, memberIds } = await newChat(3);
      const [alice, bob, carol] = memberIds;
      const batch = [
        envelope(chatId, alice, 'one'),
        envelope(chatId, bob, 'two'),
        envelope(chatId, alice, 'three'),
        envelope(chatId, alice, 'four'),
        envelope(chatId, bob, 'five'),
        envelope(chatId, alice, 'six'),
      ];
      await persister().handle(batch.slice(0, 4));
      await persister().handle(batch.slice(4));

      const chat = await chats.findById(chatId);
      expect(chat).toMatchObject({ lastSeq: 6, lastMessageId: batch[5].messageId });
      expect(chat!.updatedAt.toISOString()).toBe(batch[5].acceptedAt);
      expect((await chats.findForMember(chatId, alice))!.lastReadSeq).toBe(6);
      expect((await chats.findForMember(chatId, bob))!.lastReadSeq).toBe(5);
      expect((await chats.findForMember(chatId, carol))!.lastReadSeq).toBe(0);
    });

    it('rejects what can never be stored, with the reason, and stores the rest of the batch', async () => {
      const { chatId, memberIds } = await newChat();
      const good = [envelope(chatId, memberIds[0], 'one'), envelope(chatId, memberIds[1], 'two')];
      const unknownChat = envelope(randomUUID(), memberIds[0], 'nowhere');
      const unknownSender = envelope(chatId, randomUUID(), 'ghost');
      const malformed = { ...envelope(chatId, memberIds[0], 'x'), body: '' };
      const rejected = await persister().handle([good[0], unknownChat, unknownSender, malformed, good[1]]);
      expect(rejected.map((r) => [r.envelope.messageId, r.reason])).toEqual([
        [malformed.messageId, 'body must be 1 to 4000 trimmed characters'],
        [unknownChat.messageId, `chat ${unknownChat.chatId} does not exist`],
        [unknownSender.messageId, `sender ${unknownSender.senderId} does not exist`],
      ]);
      expect(bodiesAndSeqs(await stored(chatId))).toEqual([[1, 'one'], [2, 'two']]);
    });

    it('stores a batch for chats it has written to in one insert, reading nothing first', async () => {
      const { chatId, memberIds } = await newChat();
      const watched = new WatchedStore(store);
      const p = new Persister(watched, chats, users, bus, silentLogger);
      const batch = upTo(6).map((i) => envelope(chatId, memberIds[i % 2], `m${i}`));
      await p.handle(batch.slice(0, 3));
      watched.reads = 0;
      watched.attempted = [];
      await p.handle(batch.slice(3));
      expect(watched.reads).toBe(0);
      expect(watched.attempted.map((m) => m.seq)).toEqual([4, 5, 6]);
      expect(bodiesAndSeqs(await stored(chatId))).toEqual(expected(batch));
      expect(await chats.findById(chatId)).toMatchObject({ lastSeq: 6, lastMessageId: batch[5].messageId });
    });

    for (const prefix of [false, true]) {
      const writes = prefix ? 'a store that writes up to a collision' : 'a store that writes all or nothing';
      it(`leaves no hole when another persister took the seqs it expected, with ${writes}`, async () => {
        const { chatId, memberIds } = await newChat();
        const batch = upTo(9).map((i) => envelope(chatId, memberIds[i % 2], `m${i}`));
        const one = new Persister(new WatchedStore(store, true, prefix), chats, users, bus, silentLogger);
        await one.handle(batch.slice(0, 3));
        await persister().handle(batch.slice(3, 6));
        await one.handle(batch.slice(6));
        expect(bodiesAndSeqs(await stored(chatId))).toEqual(expected(batch));
        expect(await chats.findById(chatId)).toMatchObject({ lastSeq: 9, lastMessageId: batch[8].messageId });
      });

      it(`stores a new message once when it arrives with one already stored, with ${writes}`, async () => {
        const { chatId, memberIds } = await newChat();
        const batch = upTo(4).map((i) => envelope(chatId, memberIds[0], `m${i}`));
        const p = new Persister(new WatchedStore(store, true, prefix), chats, users, bus, silentLogger);
        await p.handle(batch.slice(0, 3));
        // The new one first: an ordered insert writes it before meeting the stored one.
        await p.handle([batch[3], batch[1]]);
        await p.handle([batch[3], batch[1]]);
        expect(bodiesAndSeqs(await stored(chatId))).toEqual(expected(batch));
      });
    }

    it('rejects an unknown sender or chat in a batch for a chat it has written to, and stores the rest', async () => {
      const { chatId, memberIds } = await newChat();
      const p = persister();
      await p.handle([envelope(chatId, memberIds[0], 'one')]);
      const good = envelope(chatId, memberIds[1], 'two');
      const ghost = envelope(chatId, randomUUID(), 'ghost');
      const nowhere = envelope(randomUUID(), memberIds[0], 'nowhere');
      expect((await p.handle([ghost, good])).map((r) => r.reason)).toEqual([`sender ${ghost.senderId} does not exist`]);
      expect((await p.handle([nowhere])).map((r) => r.reason)).toEqual([`chat ${nowhere.chatId} does not exist`]);
      await p.handle([envelope(chatId, memberIds[0], 'three')]);
      expect(bodiesAndSeqs(await stored(chatId))).toEqual([[1, 'one'], [2, 'two'], [3, 'three']]);
    });

    it('never asks a store that checks no references to write an unknown sender', async () => {
      const { chatId, memberIds } = await newChat();
      const watched = new WatchedStore(store, false);
      const p = new Persister(watched, chats, users, bus, silentLogger);
      await p.handle([envelope(chatId, memberIds[0], 'one')]);
      const ghost = envelope(chatId, randomUUID(), 'ghost');
      expect((await p.handle([ghost, envelope(chatId, memberIds[1], 'two')])).map((r) => r.envelope)).toEqual([ghost]);
      expect(watched.attempted.map((m) => m.id)).not.toContain(ghost.messageId);
      expect(bodiesAndSeqs(await stored(chatId))).toEqual([[1, 'one'], [2, 'two']]);
    });

    it('publishes stored messages on the chat channel in seq order', async () => {
      const { chatId, memberIds } = await newChat();
      const other = await newChat();
      const subscription = await bus.subscribe<Message>(chatChannel(chatId));
      const batch = upTo(10).map((i) => envelope(chatId, memberIds[i % 2], `m${i}`));
      const mixed = [...batch.slice(0, 5), envelope(other.chatId, other.memberIds[0], 'elsewhere'), ...batch.slice(5)];
      await persister().handle(mixed);
      await persister().handle(batch.slice(0, 1).concat(envelope(chatId, memberIds[0], 'last')));

      const received: Message[] = [];
      for await (const message of subscription) {
        received.push(message);
        if (received.length === 12) break;
      }
      // The replayed first message is published again; subscribers drop it by seq.
      expect(bodiesAndSeqs(received)).toEqual([...expected(batch), [1, 'm1'], [11, 'last']]);
      expect(received.slice(0, 10)).toEqual(await stored(chatId).then((all) => all.slice(0, 10)));
    });
  });
}
