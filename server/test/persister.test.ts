import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageIdFor } from '../src/domain/ids.js';
import type { Message } from '../src/domain/models.js';
import type { MessageEnvelope, SendEnvelope } from '../src/event-log/port.js';
import type {
  Appended,
  BodyPosition,
  ChangeOutcome,
  MessageChange,
  MessageStore,
  NewMessage,
  SearchHit,
  SearchPosition,
  SearchTerms,
  SeqRange,
  StoredBody,
} from '../src/message-store/port.js';
import { BookkeepingMessageStore } from '../src/message-store/bookkeeping-message-store.js';
import { SqlMessageStore } from '../src/message-store/sql-message-store.js';
import { LocalRealtimeBus } from '../src/realtime/local-realtime-bus.js';
import { chatChannel } from '../src/realtime/events.js';
import type { RealtimeBus } from '../src/realtime/port.js';
import { SqlChatRepository } from '../src/relational/chat-repository.js';
import { migrate, openRelational, type RelationalOrm } from '../src/relational/orm.js';
import { SqlUserRepository } from '../src/relational/user-repository.js';
import { silentLogger } from '../src/observability/log.js';
import { Persister } from '../src/domain/persister.js';
import { relationalTargets } from './support/targets.js';
import { storedMessage } from './support/stored-message.js';
import { until } from './support/until.js';

// Ahead of the wall clock so each message is newer than the chat it lands in.
let clock = Date.now();

/** What sendMessage would append: the id derives from (sender, chat, clientId), as in production. */
function envelope(chatId: string, senderId: string, body: string, clientId: string = randomUUID()): SendEnvelope {
  clock += 1000;
  return { messageId: messageIdFor(senderId, chatId, clientId), chatId, senderId, body, clientId, acceptedAt: new Date(clock).toISOString() };
}

/** A client's later retry of a send: the same clientId in a new envelope, accepted later. */
const retryOf = (e: SendEnvelope): SendEnvelope => envelope(e.chatId, e.senderId, e.body, e.clientId);

/** How message ids were derived before idempotency was scoped to the chat: (sender, clientId) only. */
function legacyMessageId(senderId: string, clientId: string): string {
  const hash = createHash('sha1').update(Buffer.from('6f1c2a4e9b3d4c5aa1e27f8d0b6c3e91', 'hex')).update(`${senderId}\u0000${clientId}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** The next `count` messages a bus subscription receives. */
/** The messages the persister publishes on a chat's channel, with the chat state each carries checked on the way. */
async function messagesOn(bus: RealtimeBus, chatId: string): Promise<AsyncIterable<Message> & { close(): void }> {
  const subscription = await bus.subscribe(chatChannel(chatId));
  return {
    close: () => subscription.close(),
    async *[Symbol.asyncIterator]() {
      for await (const event of subscription) {
        if (event.type !== 'messageStored') continue;
        expect(event.chat).toEqual({ chatId, lastSeq: event.message.seq, lastMessageId: event.message.id, updatedAt: event.message.createdAt });
        yield event.message;
      }
    },
  };
}

async function take(subscription: AsyncIterable<Message>, count: number): Promise<Message[]> {
  const received: Message[] = [];
  if (count === 0) return received;
  for await (const message of subscription) {
    received.push(message);
    if (received.length === count) break;
  }
  return received;
}

/** The store as the persister sees it, counting its reads and appends and recording every message it is asked to append. */
class WatchedStore implements MessageStore {
  reads = 0;
  appends = 0;
  attempted: NewMessage[] = [];

  constructor(private readonly inner: MessageStore) {}

  append(messages: readonly NewMessage[]): Promise<Appended> {
    this.appends++;
    this.attempted.push(...messages);
    return this.inner.append(messages);
  }

  insertMany(messages: readonly Message[]): Promise<number> {
    return this.inner.insertMany(messages);
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

  change(change: MessageChange): Promise<ChangeOutcome> {
    return this.inner.change(change);
  }

  changedAfter(chatId: string, afterEventSeq: number, limit: number): Promise<Message[]> {
    return this.inner.changedAfter(chatId, afterEventSeq, limit);
  }

  textSeqAt(chatId: string, seq: number): Promise<number> {
    return this.inner.textSeqAt(chatId, seq);
  }

  search(chatIds: readonly string[], terms: SearchTerms, limit: number, after: SearchPosition | null): Promise<SearchHit[]> {
    return this.inner.search(chatIds, terms, limit, after);
  }

  bodies(after: BodyPosition | null, limit: number): Promise<StoredBody[]> {
    return this.inner.bodies(after, limit);
  }

  replaceBody(stored: StoredBody, body: string): Promise<boolean> {
    return this.inner.replaceBody(stored, body);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * Hands the real store a NUL where the envelope holds U+2400 (SYMBOL FOR NULL).
 * The envelope check refuses a NUL before the store sees it, so this is the
 * only way to make the real engine refuse data as invalid (PostgreSQL: 22021)
 * and prove the persister isolates what a store refuses, whatever it is.
 */
class NulSmugglingStore extends WatchedStore {
  override append(messages: readonly NewMessage[]): Promise<Appended> {
    return super.append(messages.map((m) => (m.body.includes('\u2400') ? { ...m, body: m.body.replaceAll('\u2400', '\u0000') } : m)));
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
    const smuggling = () => new Persister(new NulSmugglingStore(store), chats, users, bus, silentLogger);

    async function newChat(memberCount = 2) {
      const members = await Promise.all(
        Array.from({ length: memberCount }, () =>
          users.create({ id: randomUUID(), username: `p_${randomBytes(6).toString('hex')}`, displayName: 'P', passwordHash: 'x' }),
        ),
      );
      const chat = await chats.create({ kind: 'GROUP', title: 'persister', memberIds: members.map((m) => m.id), directKey: null, ownerId: null });
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

    it('applies edits and deletions in the batch’s order among sends, publishes each once, and answers an edit of a deleted message with CONFLICT', async () => {
      const { chatId, memberIds } = await newChat();
      const [sender] = memberIds;
      const send = envelope(chatId, sender, 'original');
      const change = (type: 'edit' | 'delete', body: string | null): MessageEnvelope => {
        clock += 1000;
        return { type, changeId: randomUUID(), messageId: send.messageId, chatId, senderId: sender, body, acceptedAt: new Date(clock).toISOString() };
      };
      const events: string[] = [];
      const subscription = await bus.subscribe(chatChannel(chatId));
      const listening = (async () => {
        for await (const event of subscription) {
          if (event.type !== 'messageStored' && event.type !== 'messageChanged') continue;
          events.push(`${event.type}:${event.message.changedSeq}:${event.message.body}`);
        }
      })();
      const edit = change('edit', 'edited');
      const deletion = change('delete', null);
      const late = change('edit', 'too late');
      const rejected = await persister().handle([send, edit, envelope(chatId, sender, 'second'), deletion, late]);
      expect(rejected).toEqual([{ envelope: late, reason: 'This message was deleted', code: 'CONFLICT' }]);
      // Redelivered changes change nothing. The deletion, the change that holds, is published again with its
      // event seq (a stream that had it drops it), as a redelivered send is; the overtaken edit publishes
      // nothing. The marker after them shows nothing else came.
      expect(await persister().handle([edit, deletion, late])).toHaveLength(1);
      await persister().handle([envelope(chatId, sender, 'marker')]);
      await until(() => events.some((e) => e.endsWith(':marker')));
      subscription.close();
      await listening;
      expect(events).toEqual([
        'messageStored:1:original',
        'messageChanged:2:edited',
        'messageStored:3:second',
        'messageChanged:4:',
        'messageChanged:4:',
        'messageStored:5:marker',
      ]);
      expect((await stored(chatId)).map((m) => [m.seq, m.body, m.deletedAt !== null])).toEqual([
        [1, '', true],
        [2, 'second', false],
        [3, 'marker', false],
      ]);
    });

    it('publishes a change whose first delivery applied it and died before publishing, when it comes again', async () => {
      const { chatId, memberIds } = await newChat();
      const [sender] = memberIds;
      const send = envelope(chatId, sender, 'original');
      await persister().handle([send]);
      clock += 1000;
      const edit: MessageEnvelope = { type: 'edit', changeId: randomUUID(), messageId: send.messageId, chatId, senderId: sender, body: 'edited', acceptedAt: new Date(clock).toISOString() };
      // The first delivery: stored, then the process ended before the publish.
      expect(await store.change({ changeId: edit.changeId, chatId, messageId: send.messageId, change: 'edit', body: 'edited', acceptedAt: new Date(clock) })).toMatchObject({ applied: true });
      const events: string[] = [];
      const subscription = await bus.subscribe(chatChannel(chatId));
      const listening = (async () => {
        for await (const event of subscription) if (event.type === 'messageChanged') events.push(`${event.change}:${event.message.changedSeq}:${event.message.body}`);
      })();
      expect(await persister().handle([edit])).toEqual([]);
      await until(() => events.length > 0);
      subscription.close();
      await listening;
      expect(events).toEqual(['edited:2:edited']);
    });

    it('stores a batch in one append, reading nothing first', async () => {
      const { chatId, memberIds } = await newChat();
      const watched = new WatchedStore(store);
      const p = new Persister(watched, chats, users, bus, silentLogger);
      const batch = upTo(6).map((i) => envelope(chatId, memberIds[i % 2], `m${i}`));
      await p.handle(batch.slice(0, 3));
      await p.handle(batch.slice(3));
      expect(watched.reads).toBe(0);
      expect(watched.appends).toBe(2);
      expect(bodiesAndSeqs(await stored(chatId))).toEqual(expected(batch));
      expect(await chats.findById(chatId)).toMatchObject({ lastSeq: 6, lastMessageId: batch[5].messageId });
    });

    it('leaves no hole when two persisters write one chat in turns', async () => {
      const { chatId, memberIds } = await newChat();
      const batch = upTo(9).map((i) => envelope(chatId, memberIds[i % 2], `m${i}`));
      const one = persister();
      await one.handle(batch.slice(0, 3));
      await persister().handle(batch.slice(3, 6));
      await one.handle(batch.slice(6));
      expect(bodiesAndSeqs(await stored(chatId))).toEqual(expected(batch));
      expect(await chats.findById(chatId)).toMatchObject({ lastSeq: 9, lastMessageId: batch[8].messageId });
    });

    it('numbers one chat without collisions while persisters write it at once', async () => {
      const { chatId, memberIds } = await newChat();
      const writers = upTo(4).map(() => persister());
      const batches = writers.map((_, w) => upTo(25).map((i) => envelope(chatId, memberIds[w % 2], `w${w} m${i}`)));
      // Several rounds: each writer's batches race the others'.
      for (let round = 0; round < 5; round++) {
        await Promise.all(writers.map((p, w) => p.handle(batches[w].slice(round * 5, round * 5 + 5))));
      }
      const all = await stored(chatId);
      expect(all.map((m) => m.seq)).toEqual(upTo(100));
      expect(new Set(all.map((m) => m.id)).size).toBe(100);
      // Each writer's messages keep their order.
      for (const [w, sent] of batches.entries()) {
        expect(all.filter((m) => m.body.startsWith(`w${w} `)).map((m) => m.body)).toEqual(sent.map((e) => e.body));
      }
      expect(await chats.findById(chatId)).toMatchObject({ lastSeq: 100 });
    });

    it('stores a new message once when it arrives with one already stored', async () => {
      const { chatId, memberIds } = await newChat();
      const batch = upTo(4).map((i) => envelope(chatId, memberIds[0], `m${i}`));
      const p = persister();
      await p.handle(batch.slice(0, 3));
      await p.handle([batch[3], batch[1]]);
      await p.handle([batch[3], batch[1]]);
      expect(bodiesAndSeqs(await stored(chatId))).toEqual(expected(batch));
    });

    it('stores the same clientId sent to three chats as three messages, in one batch or two', async () => {
      const x = await newChat();
      const sender = x.memberIds[0];
      const [y, z] = await Promise.all(
        ['y', 'z'].map((title) => chats.create({ kind: 'GROUP', title, memberIds: x.memberIds, directKey: null, ownerId: null })),
      );
      const toX = envelope(x.chatId, sender, 'to x', 'one');
      const toY = envelope(y.id, sender, 'to y', 'one');
      const toZ = envelope(z.id, sender, 'to z', 'one');
      expect(new Set([toX.messageId, toY.messageId, toZ.messageId]).size).toBe(3);
      expect(await persister().handle([toX, toY])).toEqual([]);
      expect(await persister().handle([toZ])).toEqual([]);
      expect((await stored(x.chatId)).map((m) => [m.id, m.seq, m.body])).toEqual([[toX.messageId, 1, 'to x']]);
      expect((await stored(y.id)).map((m) => [m.id, m.seq, m.body])).toEqual([[toY.messageId, 1, 'to y']]);
      expect((await stored(z.id)).map((m) => [m.id, m.seq, m.body])).toEqual([[toZ.messageId, 1, 'to z']]);
    });

    it('recognises a retry of a send stored before clientIds were scoped to the chat (an id derived the old way)', async () => {
      const { chatId, memberIds } = await newChat();
      const sender = memberIds[0];
      const legacy = storedMessage({
        id: legacyMessageId(sender, 'old-1'),
        chatId,
        seq: 1,
        senderId: sender,
        body: 'sent before the upgrade',
        clientId: 'old-1',
        createdAt: new Date(clock),
      });
      expect(await store.insertMany([legacy])).toBe(1);
      const subscription = await messagesOn(bus, chatId);
      const retry = envelope(chatId, sender, 'sent before the upgrade', 'old-1');
      const next = envelope(chatId, sender, 'after the upgrade');
      expect(await persister().handle([retry, next])).toEqual([]);
      expect((await stored(chatId)).map((m) => [m.id, m.seq])).toEqual([
        [legacy.id, 1],
        [next.messageId, 2],
      ]);
      // The retry is not published again: only the new message is.
      expect((await take(subscription, 1)).map((m) => m.id)).toEqual([next.messageId]);
      subscription.close();
    });

    it('stores the envelopes around one the store refuses as invalid, and rejects only that one', async () => {
      const { chatId, memberIds } = await newChat();
      const other = await newChat();
      const batch = upTo(60).map((i) => envelope(chatId, memberIds[i % 2], `m${i}`));
      // Passes the envelope check and reaches PostgreSQL as a NUL, which it refuses (22021).
      const nul = envelope(chatId, memberIds[0], 'before\u2400after');
      const elsewhere = envelope(other.chatId, other.memberIds[0], 'another chat');
      const mixed = [...batch.slice(0, 37), nul, elsewhere, ...batch.slice(37)];
      const rejected = await smuggling().handle(mixed);
      expect(rejected.map((r) => r.envelope)).toEqual([nul]);
      expect(rejected[0].reason).toMatch(/refused/);
      expect(bodiesAndSeqs(await stored(chatId))).toEqual(expected(batch));
      expect(bodiesAndSeqs(await stored(other.chatId))).toEqual([[1, 'another chat']]);
      expect(await chats.findById(chatId)).toMatchObject({ lastSeq: 60, lastMessageId: batch[59].messageId });
    });

    it('rejects every refused envelope of a batch, wherever they are', async () => {
      const { chatId, memberIds } = await newChat();
      const good = upTo(20).map((i) => envelope(chatId, memberIds[0], `m${i}`));
      const bad = upTo(3).map((i) => envelope(chatId, memberIds[1], `bad\u2400${i}`));
      const mixed = [bad[0], ...good.slice(0, 10), bad[1], ...good.slice(10), bad[2]];
      expect((await smuggling().handle(mixed)).map((r) => r.envelope)).toEqual(bad);
      expect(bodiesAndSeqs(await stored(chatId))).toEqual(expected(good));
    });

    it('never republishes a send the store already held when a client retries it', async () => {
      const { chatId, memberIds } = await newChat();
      const batch = upTo(3).map((i) => envelope(chatId, memberIds[0], `m${i}`));
      const p = persister();
      await p.handle(batch);
      const subscription = await messagesOn(bus, chatId);
      const fourth = envelope(chatId, memberIds[1], 'm4');
      expect(await p.handle([retryOf(batch[0]), retryOf(batch[2]), fourth])).toEqual([]);
      expect((await take(subscription, 1)).map((m) => m.seq)).toEqual([4]);
      subscription.close();
      expect(bodiesAndSeqs(await stored(chatId))).toEqual(expected([...batch, fourth]));
    });

    it('records the activity of a found send whose activity was never recorded', async () => {
      const { chatId, memberIds } = await newChat();
      const e = envelope(chatId, memberIds[0], 'stored, never recorded');
      // Stored without its activity: the process died between the two.
      const message = storedMessage({ id: e.messageId, chatId, seq: 1, senderId: e.senderId, body: e.body, clientId: e.clientId, createdAt: new Date(e.acceptedAt) });
      expect(await store.insertMany([message])).toBe(1);
      expect(await chats.findById(chatId)).toMatchObject({ lastSeq: 0 });
      await persister().handle([retryOf(e)]);
      expect(await chats.findById(chatId)).toMatchObject({ lastSeq: 1, lastMessageId: e.messageId });
      expect((await chats.findForMember(chatId, memberIds[0]))!.lastReadSeq).toBe(1);
    });

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
      const watched = new WatchedStore(store);
      const p = new Persister(new BookkeepingMessageStore(watched, chats, users), chats, users, bus, silentLogger);
      await p.handle([envelope(chatId, memberIds[0], 'one')]);
      const ghost = envelope(chatId, randomUUID(), 'ghost');
      expect((await p.handle([ghost, envelope(chatId, memberIds[1], 'two')])).map((r) => r.envelope)).toEqual([ghost]);
      expect(watched.attempted.map((m) => m.id)).not.toContain(ghost.messageId);
      expect(bodiesAndSeqs(await stored(chatId))).toEqual([[1, 'one'], [2, 'two']]);
    });

    it('publishes stored messages on the chat channel in seq order', async () => {
      const { chatId, memberIds } = await newChat();
      const other = await newChat();
      const subscription = await messagesOn(bus, chatId);
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
