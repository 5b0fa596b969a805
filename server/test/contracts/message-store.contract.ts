import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/domain/models.js';
import { storedMessage } from '../support/stored-message.js';
import { parseSearchQuery } from '../../src/domain/search-query.js';
import type { Reporting } from '../../src/reporting/port.js';
import { InvalidMessageError, MissingReferenceError, type Appended, type MessageStore, type NewMessage } from '../../src/message-store/port.js';

/** A store plus a way to make chats it may write to (SQL needs real chat and user rows). */
export interface MessageStoreFixture {
  store: MessageStore;
  /** Reports over what the store holds (reporting/port.ts): the nightly job's read of the same messages. */
  reporting: Reporting;
  newChat(): Promise<{ chatId: string; senderIds: [string, string] }>;
  close(): Promise<void>;
  /** Whether the store itself refuses messages of chats or senders that do not exist (SQL: foreign keys; MongoDB gets it from BookkeepingMessageStore). */
  checksReferences: boolean;
  /** Whether search matches the last word as a prefix (PostgreSQL); a text index matches whole words only (MongoDB). */
  searchesPrefixes: boolean;
  /** The chat's summary as the relational database holds it; absent for a store opened without chats (raw MongoDB). */
  recorded?(chatId: string): Promise<RecordedChat>;
}

/** What a store that keeps the chats records of their messages (MessageStore.append, change). */
export interface RecordedChat {
  lastSeq: number;
  lastMessageId: string | null;
  lastEventSeq: number;
  textCount: number;
}

const base = Date.parse('2026-01-01T00:00:00.000Z');

export function message(chatId: string, senderId: string, seq: number, overrides: Partial<Message> = {}): Message {
  return storedMessage({
    id: randomUUID(),
    chatId,
    seq,
    senderId,
    body: `message ${seq}`,
    clientId: randomUUID(),
    createdAt: new Date(base + seq * 1000),
    ...overrides,
  });
}

/** A send as the persister appends it: no seq yet. */
export function newMessage(chatId: string, senderId: string, body: string, overrides: Partial<NewMessage> = {}): NewMessage {
  return { id: randomUUID(), chatId, senderId, body, clientId: randomUUID(), createdAt: new Date(base), kind: 'TEXT', subjectId: null, replyToId: null, ...overrides };
}

const seqsOf = (messages: Message[]) => messages.map((m) => m.seq);
const byId = (a: Message, b: Message) => (a.id < b.id ? -1 : 1);
const upTo = (n: number, from = 1) => Array.from({ length: n - from + 1 }, (_, i) => from + i);

export function messageStoreContract(name: string, setup: () => Promise<MessageStoreFixture>): void {
  describe(`MessageStore contract: ${name}`, () => {
    let fx: MessageStoreFixture;
    let store: MessageStore;

    beforeAll(async () => {
      fx = await setup();
      store = fx.store;
    });

    afterAll(async () => {
      await fx?.close();
    });

    /** A chat holding messages 1..count from its first sender. */
    async function chatWith(count: number) {
      const chat = await fx.newChat();
      const messages = upTo(count).map((seq) => message(chat.chatId, chat.senderIds[0], seq));
      if (count > 0) expect(await store.insertMany(messages)).toBe(count);
      return { ...chat, messages };
    }

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('inserts messages, returns their ids and reads them back unchanged', async () => {
      const { chatId, senderIds } = await fx.newChat();
      const messages = [
        message(chatId, senderIds[0], 1),
        message(chatId, senderIds[1], 2, { body: 'ünïcødé 🙂 \n multi-line' }),
        message(chatId, senderIds[1], 3, { clientId: null }),
      ];
      expect(await store.insertMany(messages)).toBe(messages.length);
      expect((await store.findByIds(messages.map((m) => m.id))).sort(byId)).toEqual([...messages].sort(byId));
      expect(await store.insertMany([])).toBe(0);
    });

    it('inserts nothing for a message whose id is already stored', async () => {
      const { chatId, senderIds, messages } = await chatWith(1);
      const again = message(chatId, senderIds[1], 2, { id: messages[0].id, body: 'other' });
      expect(await store.insertMany([again])).toBe(0);
      expect(await store.findByIds([messages[0].id])).toEqual([messages[0]]);
      expect(await store.maxSeqs([chatId])).toEqual(new Map([[chatId, 1]]));
    });

    it('inserts nothing for a taken (chatId, seq)', async () => {
      const { chatId, senderIds } = await chatWith(1);
      const clash = message(chatId, senderIds[1], 1);
      expect(await store.insertMany([clash])).toBe(0);
      expect(await store.findByIds([clash.id])).toEqual([]);
    });

    it('inserts nothing for a taken (senderId, chatId, clientId)', async () => {
      const { chatId, senderIds, messages } = await chatWith(1);
      const retry = message(chatId, senderIds[0], 2, { clientId: messages[0].clientId });
      expect(await store.insertMany([retry])).toBe(0);
      expect(await store.findByIds([retry.id])).toEqual([]);
    });

    it('takes the same (senderId, clientId) in another chat: a clientId is scoped to its chat', async () => {
      const { senderIds, messages } = await chatWith(1);
      const other = await fx.newChat();
      // The same sender in both chats (stores that check references need a real user).
      const elsewhere = message(other.chatId, senderIds[0], 1, { clientId: messages[0].clientId });
      expect(await store.insertMany([elsewhere])).toBe(1);
      expect(await store.findByIds([elsewhere.id])).toEqual([elsewhere]);
    });

    it('appends after the stored seqs, each chat in the given order, and returns what it wrote', async () => {
      const { chatId, senderIds } = await chatWith(2);
      const other = await fx.newChat();
      const batch = [
        newMessage(chatId, senderIds[0], 'three'),
        newMessage(other.chatId, senderIds[0], 'first elsewhere'),
        newMessage(chatId, senderIds[1], 'four'),
      ];
      const { written, existing } = await store.append(batch);
      expect(existing).toEqual([]);
      const byId = new Map(written.map((m) => [m.id, m]));
      expect(batch.map((m) => byId.get(m.id)?.seq)).toEqual([3, 1, 4]);
      const counted = (seq: number) => ({ seq, eventSeq: seq, changedSeq: seq, textSeq: seq, editedAt: null, deletedAt: null });
      expect(batch.map((m) => byId.get(m.id))).toEqual(batch.map((m, i) => ({ ...m, ...counted([3, 1, 4][i]) })));
      expect((await store.range(chatId, { limit: 10, from: 'oldest' })).map((m) => m.body)).toEqual(['message 1', 'message 2', 'three', 'four']);
      expect(await store.maxSeqs([chatId, other.chatId])).toEqual(new Map([[chatId, 4], [other.chatId, 1]]));
      expect(await store.append([])).toEqual({ written: [], existing: [] });
    });

    it('numbers every message as an event, and counts only text messages in textSeq', async () => {
      const { chatId, senderIds } = await chatWith(2);
      const [ada, bob] = senderIds;
      const system = newMessage(chatId, ada, '', { kind: 'MEMBER_JOINED', subjectId: bob });
      const reply = newMessage(chatId, bob, 'hi back', { replyToId: system.id });
      const { written } = await store.append([system, reply]);
      expect(written.map((m) => [m.seq, m.eventSeq, m.changedSeq, m.textSeq, m.kind])).toEqual([
        [3, 3, 3, 2, 'MEMBER_JOINED'],
        [4, 4, 4, 3, 'TEXT'],
      ]);
      expect(written[0]).toMatchObject({ subjectId: bob, body: '' });
      expect(written[1]).toMatchObject({ replyToId: system.id });
      expect([await store.textSeqAt(chatId, 3), await store.textSeqAt(chatId, 4), await store.textSeqAt(chatId, 0)]).toEqual([2, 3, 0]);
    });

    it('applies an edit and a deletion as the chat’s next events, once, in the order they were accepted', async () => {
      const { chatId, senderIds } = await chatWith(2);
      const [first] = await store.range(chatId, { limit: 1, from: 'oldest' });
      const at = (ms: number) => new Date(base + 100_000 + ms);
      const edit = { changeId: randomUUID(), chatId, messageId: first.id, change: 'edit' as const, body: 'edited', acceptedAt: at(1) };
      const applied = await store.change(edit);
      expect(applied).toMatchObject({ applied: true, current: true, message: { body: 'edited', editedAt: at(1), changedSeq: 3, eventSeq: 1, seq: 1 } });
      // A redelivery changes nothing, and neither does an edit accepted before the one stored; the redelivery
      // is told that its change is the one that holds (so it is published again), the older edit is not.
      expect(await store.change(edit)).toMatchObject({ applied: false, current: true, message: { body: 'edited', changedSeq: 3 } });
      expect(await store.change({ ...edit, changeId: randomUUID(), body: 'older', acceptedAt: at(0) })).toMatchObject({ applied: false, current: false });
      // Sends keep numbering events after the edit.
      const { written } = await store.append([newMessage(chatId, senderIds[1], 'after the edit')]);
      expect(written.map((m) => [m.seq, m.eventSeq])).toEqual([[3, 4]]);
      const deletion = { changeId: randomUUID(), chatId, messageId: first.id, change: 'delete' as const, body: null, acceptedAt: at(2) };
      expect(await store.change(deletion)).toMatchObject({ applied: true, message: { body: '', deletedAt: at(2), changedSeq: 5 } });
      // Deleted is final, and the edit that held before it is no longer the current change.
      expect(await store.change({ ...edit, changeId: randomUUID(), acceptedAt: at(3) })).toMatchObject({ applied: false, current: false, message: { body: '' } });
      expect(await store.change(edit)).toMatchObject({ applied: false, current: false });
      expect(await store.change(deletion)).toMatchObject({ applied: false, current: true, message: { changedSeq: 5 } });
      expect((await store.changedAfter(chatId, 0, 10)).map((m) => [m.seq, m.changedSeq])).toEqual([
        [2, 2],
        [3, 4],
        [1, 5],
      ]);
      expect((await store.changedAfter(chatId, 4, 10)).map((m) => m.id)).toEqual([first.id]);
      expect(await store.changedAfter(chatId, 0, 1)).toHaveLength(1);
    });

    it('records in the chat what it appends and what it changes, if it keeps the chats', async () => {
      if (!fx.recorded) return;
      const { chatId, senderIds } = await fx.newChat();
      const [ada, bob] = senderIds;
      expect(await fx.recorded(chatId)).toEqual({ lastSeq: 0, lastMessageId: null, lastEventSeq: 0, textCount: 0 });
      const one = newMessage(chatId, ada, 'one');
      const joined = newMessage(chatId, ada, '', { kind: 'MEMBER_JOINED', subjectId: bob });
      const two = newMessage(chatId, bob, 'two');
      await store.append([one, joined, two]);
      expect(await fx.recorded(chatId)).toEqual({ lastSeq: 3, lastMessageId: two.id, lastEventSeq: 3, textCount: 2 });
      // Found already stored: nothing new to record.
      await store.append([one]);
      expect(await fx.recorded(chatId)).toEqual({ lastSeq: 3, lastMessageId: two.id, lastEventSeq: 3, textCount: 2 });
      const edit = { changeId: randomUUID(), chatId, messageId: one.id, change: 'edit' as const, body: 'one, edited', acceptedAt: new Date(base + 1_000) };
      expect(await store.change(edit)).toMatchObject({ applied: true, message: { changedSeq: 4 } });
      expect(await fx.recorded(chatId)).toEqual({ lastSeq: 3, lastMessageId: two.id, lastEventSeq: 4, textCount: 2 });
      // A redelivered change is not applied, and moves nothing.
      expect(await store.change(edit)).toMatchObject({ applied: false });
      const deletion = { changeId: randomUUID(), chatId, messageId: two.id, change: 'delete' as const, body: null, acceptedAt: new Date(base + 2_000) };
      expect(await store.change(deletion)).toMatchObject({ applied: true, message: { changedSeq: 5 } });
      expect(await fx.recorded(chatId)).toEqual({ lastSeq: 3, lastMessageId: two.id, lastEventSeq: 5, textCount: 2 });
    });

    it('applies a deletion whenever it comes, even after an edit accepted later was applied first', async () => {
      const { chatId } = await chatWith(1);
      const [first] = await store.range(chatId, { limit: 1, from: 'oldest' });
      const at = new Date(base + 200_000);
      // Two instances: the delete was accepted first, the edit stored first.
      const edit = { changeId: randomUUID(), chatId, messageId: first.id, change: 'edit' as const, body: 'evading', acceptedAt: new Date(at.getTime() + 5) };
      expect(await store.change(edit)).toMatchObject({ applied: true });
      const deletion = { changeId: randomUUID(), chatId, messageId: first.id, change: 'delete' as const, body: null, acceptedAt: at };
      expect(await store.change(deletion)).toMatchObject({ applied: true, message: { body: '', deletedAt: at } });
      expect(await store.change({ ...deletion, changeId: randomUUID() })).toMatchObject({ applied: false });
    });

    it('finds no message to change in another chat, or one that does not exist', async () => {
      const { chatId } = await chatWith(1);
      const other = await fx.newChat();
      const [stored] = await store.range(chatId, { limit: 1, from: 'oldest' });
      const change = { changeId: randomUUID(), chatId: other.chatId, messageId: stored.id, change: 'delete' as const, body: null, acceptedAt: new Date() };
      expect(await store.change(change)).toEqual({ message: null, applied: false, current: false });
      expect(await store.change({ ...change, chatId, messageId: randomUUID() })).toEqual({ message: null, applied: false, current: false });
      expect((await store.findByIds([stored.id]))[0].deletedAt).toBeNull();
    });

    it('appends any text unchanged, however an array literal would read it', async () => {
      const { chatId, senderIds } = await fx.newChat();
      const bodies = ['NULL', 'null', '', ' ', '"quoted"', 'back\\slash', '{braces}', 'a,b', "it's", 'ünïcødé 🙂 \n multi-line\ttab'];
      const batch = bodies.map((body, i) => newMessage(chatId, senderIds[i % 2], body, { clientId: i === 0 ? 'NULL' : `k,"${i}"` }));
      const { written } = await store.append(batch);
      expect(written.map((m) => [m.body, m.clientId])).toEqual(batch.map((m) => [m.body, m.clientId]));
      expect((await store.range(chatId, { limit: 100, from: 'oldest' })).map((m) => [m.seq, m.body, m.clientId])).toEqual(
        batch.map((m, i) => [i + 1, m.body, m.clientId]),
      );
    });

    it('appends nothing already stored under the id or the client key, and returns those as existing', async () => {
      const { chatId, senderIds, messages } = await chatWith(2);
      const sameId = newMessage(chatId, senderIds[1], 'other body', { id: messages[0].id });
      // A retry whose id was derived another way (ids of older versions): the client key finds it.
      const sameKey = newMessage(chatId, senderIds[0], 'retried', { clientId: messages[1].clientId! });
      const fresh = newMessage(chatId, senderIds[1], 'new');
      const { written, existing } = await store.append([sameId, fresh, sameKey]);
      expect(written.map((m) => [m.id, m.seq])).toEqual([[fresh.id, 3]]);
      expect([...existing].sort(byId)).toEqual([messages[0], messages[1]].sort(byId));
      expect(await store.maxSeqs([chatId])).toEqual(new Map([[chatId, 3]]));
    });

    it('appends the same clientId to two chats as two messages', async () => {
      const a = await fx.newChat();
      const b = await fx.newChat();
      const sender = a.senderIds[0];
      const batch = [newMessage(a.chatId, sender, 'to a', { clientId: '1' }), newMessage(b.chatId, sender, 'to b', { clientId: '1' })];
      const { written } = await store.append(batch);
      expect(written.map((m) => [m.chatId, m.seq, m.body]).sort()).toEqual([[a.chatId, 1, 'to a'], [b.chatId, 1, 'to b']].sort());
    });

    it('leaves no hole and no duplicate when writers append to one chat at once, retrying what they did not store', async () => {
      const { chatId, senderIds } = await fx.newChat();
      const writers = [0, 1, 2].map((w) => Array.from({ length: 30 }, (_, i) => newMessage(chatId, senderIds[w % 2], `w${w} ${i}`)));
      await Promise.all(
        writers.map(async (messages) => {
          for (let i = 0; i < messages.length; i += 5) {
            let todo = messages.slice(i, i + 5);
            for (let attempt = 0; todo.length > 0; attempt++) {
              expect(attempt).toBeLessThan(50);
              const { written, existing } = await store.append(todo);
              const done = new Set([...written, ...existing].map((m) => m.id));
              todo = todo.filter((m) => !done.has(m.id));
            }
          }
        }),
      );
      const all = await store.range(chatId, { limit: 1000, from: 'oldest' });
      expect(seqsOf(all)).toEqual(upTo(90));
      expect(new Set(all.map((m) => m.id)).size).toBe(90);
      for (const [w, messages] of writers.entries()) {
        expect(all.filter((m) => m.body.startsWith(`w${w} `)).map((m) => m.body)).toEqual(messages.map((m) => m.body));
      }
    });

    it('refuses data it cannot hold with InvalidMessageError, or stores it unchanged', async () => {
      // PostgreSQL refuses NUL in text; MongoDB stores it. Either way, never a silent change.
      const { chatId, senderIds } = await fx.newChat();
      const nul = newMessage(chatId, senderIds[0], 'before\u0000after');
      const outcome: Appended | Error = await store.append([nul]).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      if (outcome instanceof Error) {
        expect(outcome).toBeInstanceOf(InvalidMessageError);
        expect(await store.maxSeqs([chatId])).toEqual(new Map([[chatId, 0]]));
      } else {
        expect(outcome.written.map((m) => m.body)).toEqual([nul.body]);
        expect((await store.findByIds([nul.id])).map((m) => m.body)).toEqual([nul.body]);
      }
    });

    it('appends nothing for a chat that does not exist or refuses an unknown sender, if it checks references', async () => {
      if (!fx.checksReferences) return;
      const { chatId, senderIds } = await fx.newChat();
      const nowhere = newMessage(randomUUID(), senderIds[0], 'nowhere');
      const here = newMessage(chatId, senderIds[0], 'here');
      const { written, existing } = await store.append([nowhere, here]);
      expect(written.map((m) => m.id)).toEqual([here.id]);
      expect(existing).toEqual([]);
      await expect(store.append([newMessage(chatId, randomUUID(), 'ghost')])).rejects.toBeInstanceOf(MissingReferenceError);
      expect(await store.maxSeqs([chatId])).toEqual(new Map([[chatId, 1]]));
    });

    it('stops at the first collision: writes a prefix before it and nothing after it', async () => {
      const { chatId, senderIds } = await chatWith(2);
      const before = message(chatId, senderIds[1], 3);
      const clash = message(chatId, senderIds[1], 2);
      const after = message(chatId, senderIds[1], 4);
      const written = await store.insertMany([before, clash, after]);
      // All-or-nothing adapters write 0; ordered ones write the row before the collision.
      expect([0, 1]).toContain(written);
      expect(seqsOf(await store.range(chatId, { limit: 10, from: 'oldest' }))).toEqual(written === 1 ? [1, 2, 3] : [1, 2]);
      expect(await store.findByIds([after.id])).toEqual([]);
      // Retrying the rest without the collision leaves no hole.
      expect(await store.insertMany([before, after].slice(written))).toBe(2 - written);
      expect(seqsOf(await store.range(chatId, { limit: 10, from: 'oldest' }))).toEqual([1, 2, 3, 4]);
    });

    it('refuses, writing nothing, a chat or sender that does not exist, if it checks references', async () => {
      // A store that does not (MongoDB) writes them: the persister screens first for it.
      if (!fx.checksReferences) return;
      const { chatId, senderIds } = await fx.newChat();
      const nowhere = message(randomUUID(), senderIds[0], 1);
      await expect(store.insertMany([nowhere])).rejects.toBeInstanceOf(MissingReferenceError);
      const ghost = message(chatId, randomUUID(), 2);
      await expect(store.insertMany([message(chatId, senderIds[0], 1), ghost])).rejects.toBeInstanceOf(MissingReferenceError);
      expect(await store.maxSeqs([chatId])).toEqual(new Map([[chatId, 0]]));
    });

    it('stores any number of messages without a clientId from one sender', async () => {
      const { chatId, senderIds } = await fx.newChat();
      const batch = upTo(3).map((seq) => message(chatId, senderIds[0], seq, { clientId: null }));
      expect(await store.insertMany(batch)).toBe(3);
    });

    it('finds by ids, ignoring ids that are not stored', async () => {
      const { messages } = await chatWith(3);
      expect(await store.findByIds([messages[1].id, randomUUID()])).toEqual([messages[1]]);
      expect(await store.findByIds([])).toEqual([]);
    });

    it('gives the highest seq per chat, and 0 for chats without messages', async () => {
      const full = await chatWith(7);
      const empty = await fx.newChat();
      const unknown = randomUUID();
      expect(await store.maxSeqs([full.chatId, empty.chatId, unknown])).toEqual(
        new Map([
          [full.chatId, 7],
          [empty.chatId, 0],
          [unknown, 0],
        ]),
      );
      expect(await store.maxSeqs([])).toEqual(new Map());
    });

    it('returns ranges oldest → newest whichever end they are taken from', async () => {
      const { chatId, messages } = await chatWith(10);
      await chatWith(10); // a neighbour whose messages must never leak in
      const range = async (r: Parameters<MessageStore['range']>[1]) => seqsOf(await store.range(chatId, r));

      expect(await range({ limit: 3, from: 'oldest' })).toEqual([1, 2, 3]);
      expect(await range({ limit: 3, from: 'newest' })).toEqual([8, 9, 10]);
      expect(await range({ afterSeq: 4, limit: 3, from: 'oldest' })).toEqual([5, 6, 7]);
      expect(await range({ afterSeq: 4, limit: 3, from: 'newest' })).toEqual([8, 9, 10]);
      expect(await range({ beforeSeq: 5, limit: 3, from: 'newest' })).toEqual([2, 3, 4]);
      expect(await range({ beforeSeq: 5, limit: 3, from: 'oldest' })).toEqual([1, 2, 3]);
      expect(await range({ afterSeq: 2, beforeSeq: 6, limit: 10, from: 'oldest' })).toEqual([3, 4, 5]);
      expect(await range({ afterSeq: 2, beforeSeq: 6, limit: 10, from: 'newest' })).toEqual([3, 4, 5]);
      expect(await range({ afterSeq: 10, limit: 5, from: 'oldest' })).toEqual([]);
      expect(await range({ beforeSeq: 1, limit: 5, from: 'newest' })).toEqual([]);
      expect(await store.range(chatId, { afterSeq: 0, limit: 100, from: 'oldest' })).toEqual(messages);
    });

    it('counts the activity of a time window per chat and overall: from included, to excluded', async () => {
      // 2030: no other test writes there, so the window holds only these messages.
      const at = (iso: string) => ({ createdAt: new Date(iso) });
      const a = await fx.newChat();
      const b = await fx.newChat();
      const [ada, bob] = a.senderIds;
      const cy = b.senderIds[0];
      expect(
        await store.insertMany([
          message(a.chatId, ada, 1, at('2030-05-31T23:59:59.999Z')),
          message(a.chatId, ada, 2, at('2030-06-01T00:00:00.000Z')),
          message(a.chatId, bob, 3, at('2030-06-01T12:00:00.000Z')),
          message(a.chatId, ada, 4, at('2030-06-01T23:59:59.999Z')),
          message(a.chatId, bob, 5, at('2030-06-02T00:00:00.000Z')),
        ]),
      ).toBe(5);
      // Ada writes in both chats: one active user, counted once. A system message is no one's message.
      expect(
        await store.insertMany([
          message(b.chatId, ada, 1, at('2030-06-01T08:00:00.000Z')),
          message(b.chatId, cy, 2, at('2030-06-01T09:00:00.000Z')),
          message(b.chatId, bob, 3, { ...at('2030-06-01T10:00:00.000Z'), kind: 'MEMBER_JOINED', subjectId: bob, body: '' }),
        ]),
      ).toBe(3);

      const day = await fx.reporting.activity({ from: new Date('2030-06-01T00:00:00.000Z'), to: new Date('2030-06-02T00:00:00.000Z') });
      const expected = [
        { chatId: a.chatId, messages: 3, senders: 2, firstAt: new Date('2030-06-01T00:00:00.000Z'), lastAt: new Date('2030-06-01T23:59:59.999Z') },
        { chatId: b.chatId, messages: 2, senders: 2, firstAt: new Date('2030-06-01T08:00:00.000Z'), lastAt: new Date('2030-06-01T09:00:00.000Z') },
      ].sort((x, y) => (x.chatId < y.chatId ? -1 : 1));
      expect(day).toEqual({ chats: expected, activeUsers: 3 });

      const edge = await fx.reporting.activity({ from: new Date('2030-06-02T00:00:00.000Z'), to: new Date('2030-06-02T00:00:00.001Z') });
      expect(edge).toEqual({ chats: [{ chatId: a.chatId, messages: 1, senders: 1, firstAt: new Date('2030-06-02T00:00:00.000Z'), lastAt: new Date('2030-06-02T00:00:00.000Z') }], activeUsers: 1 });
      expect(await fx.reporting.activity({ from: new Date('2030-07-01T00:00:00.000Z'), to: new Date('2030-07-02T00:00:00.000Z') })).toEqual({ chats: [], activeUsers: 0 });
    });

    describe('search', () => {
      const search = (chatIds: string[], query: string, limit = 20, after: Parameters<MessageStore['search']>[3] = null) =>
        store.search(chatIds, parseSearchQuery(query), limit, after);
      const bodies = (hits: { message: Message }[]) => hits.map((h) => h.message.body);

      it('finds text messages holding every word, only in the chats given; deleted never, edited by their current text', async () => {
        const [mine, other] = [await fx.newChat(), await fx.newChat()];
        const [ada] = mine.senderIds;
        const at = (s: number) => new Date(base + s * 1000);
        const { written } = await store.append([
          newMessage(mine.chatId, ada, 'the quick brown fox', { createdAt: at(1) }),
          newMessage(mine.chatId, ada, 'a quick reply', { createdAt: at(2) }),
          newMessage(mine.chatId, ada, 'brown bread, quick!', { createdAt: at(3) }),
          newMessage(mine.chatId, ada, 'quick brown, soon gone', { createdAt: at(4) }),
          newMessage(mine.chatId, ada, 'quick brown rename', { createdAt: at(5), kind: 'CHAT_RENAMED' }),
          newMessage(other.chatId, other.senderIds[0], 'quick brown elsewhere', { createdAt: at(6) }),
          newMessage(mine.chatId, ada, 'slow grey', { createdAt: at(7) }),
        ]);
        const written_ = (body: string) => written.find((m) => m.body === body)!;
        const [gone, slow] = [written_('quick brown, soon gone'), written_('slow grey')];
        await store.change({ changeId: randomUUID(), chatId: mine.chatId, messageId: gone!.id, change: 'delete', body: null, acceptedAt: at(8) });
        await store.change({ changeId: randomUUID(), chatId: mine.chatId, messageId: slow!.id, change: 'edit', body: 'now quick and brown', acceptedAt: at(9) });
        expect(bodies(await search([mine.chatId], 'quick brown ')).sort()).toEqual(['brown bread, quick!', 'now quick and brown', 'the quick brown fox']);
        expect(bodies(await search([mine.chatId], 'QUICK Brown '))).toHaveLength(3);
        expect(await search([mine.chatId], 'grey ')).toEqual([]);
        expect(bodies(await search([mine.chatId, other.chatId], 'elsewhere '))).toEqual(['quick brown elsewhere']);
        expect(await search([], 'quick ')).toEqual([]);
      });

      it('puts better matches first, then newer ones, and pages with a position without gap or overlap', async () => {
        const chat = await fx.newChat();
        const [ada] = chat.senderIds;
        const messages = Array.from({ length: 25 }, (_, i) =>
          newMessage(chat.chatId, ada, i === 3 ? 'zebra zebra zebra crossing' : `zebra number ${i}`, { createdAt: new Date(base + i * 1000) }),
        );
        await store.append(messages);
        const first = await search([chat.chatId], 'zebra ', 10);
        expect(first[0]!.message.body).toBe('zebra zebra zebra crossing');
        // Equal matches: newest first.
        expect(bodies(first.slice(1, 4))).toEqual(['zebra number 24', 'zebra number 23', 'zebra number 22']);
        const seen = [...first];
        while (seen.length < 25) {
          const last = seen.at(-1)!;
          const page = await search([chat.chatId], 'zebra ', 10, { rank: last.rank, createdAt: last.message.createdAt, id: last.message.id });
          expect(page.length).toBeGreaterThan(0);
          seen.push(...page);
        }
        expect(new Set(seen.map((h) => h.message.id)).size).toBe(25);
        const last = seen.at(-1)!;
        expect(await search([chat.chatId], 'zebra ', 10, { rank: last.rank, createdAt: last.message.createdAt, id: last.message.id })).toEqual([]);
      });

      it('matches words of any script as written, case aside', async () => {
        const chat = await fx.newChat();
        await store.append([
          newMessage(chat.chatId, chat.senderIds[0], 'Привет, МИР'),
          newMessage(chat.chatId, chat.senderIds[0], 'Größe zählt'),
          newMessage(chat.chatId, chat.senderIds[0], 'καλημέρα κόσμε'),
        ]);
        expect(bodies(await search([chat.chatId], 'мир '))).toEqual(['Привет, МИР']);
        expect(bodies(await search([chat.chatId], 'größe '))).toEqual(['Größe zählt']);
        expect(bodies(await search([chat.chatId], 'κόσμε '))).toEqual(['καλημέρα κόσμε']);
      });

      it('matches the last word as typed as the start of a word, if it searches prefixes', async () => {
        const chat = await fx.newChat();
        await store.append([newMessage(chat.chatId, chat.senderIds[0], 'hello wonderful world'), newMessage(chat.chatId, chat.senderIds[0], 'help wanted')]);
        if (fx.searchesPrefixes) {
          expect(bodies(await search([chat.chatId], 'hel')).sort()).toEqual(['hello wonderful world', 'help wanted']);
          expect(bodies(await search([chat.chatId], 'world wonder'))).toEqual(['hello wonderful world']);
          // A space ends the word: whole words only.
          expect(await search([chat.chatId], 'hel ')).toEqual([]);
        }
        expect(bodies(await search([chat.chatId], 'wanted'))).toEqual(['help wanted']);
      });
    });

    it('pages a 1,000-message chat both ways with no gap and no overlap', async () => {
      const { chatId } = await chatWith(1000);
      // A cursor that does not advance would page forever: more than 1,000 seqs means it repeats.
      const guard = (pages: number[]) => expect(pages.length).toBeLessThanOrEqual(1000);
      const forward: number[] = [];
      for (let after = 0; ; guard(forward)) {
        const page = seqsOf(await store.range(chatId, { afterSeq: after, limit: 37, from: 'oldest' }));
        if (page.length === 0) break;
        forward.push(...page);
        after = page.at(-1)!;
      }
      const backward: number[] = [];
      for (let before: number | undefined; ; guard(backward)) {
        const page = seqsOf(await store.range(chatId, { beforeSeq: before, limit: 37, from: 'newest' }));
        if (page.length === 0) break;
        backward.unshift(...page);
        before = page[0];
      }
      expect(forward).toEqual(upTo(1000));
      expect(backward).toEqual(upTo(1000));
    });

    it('walks every body by chat then seq, and replaces a body only while it is the one read (rekey)', async () => {
      const [a, b] = [await chatWith(3), await chatWith(2)];
      const mine = new Set([a.chatId, b.chatId]);
      // Other tests' chats share the store: walk it all, keep these two.
      const walked: { chatId: string; seq: number; body: string; id: string }[] = [];
      for (let after = null as { chatId: string; seq: number } | null; ; ) {
        const page = await store.bodies(after, 2);
        if (page.length === 0) break;
        walked.push(...page.filter((p) => mine.has(p.chatId)));
        after = { chatId: page.at(-1)!.chatId, seq: page.at(-1)!.seq };
      }
      const [first, second] = [a, b].sort((x, y) => (x.chatId < y.chatId ? -1 : 1));
      expect(walked.map((w) => [w.chatId, w.seq])).toEqual([
        ...first!.messages.map((m) => [m.chatId, m.seq]),
        ...second!.messages.map((m) => [m.chatId, m.seq]),
      ]);
      const target = walked.find((w) => w.chatId === a.chatId && w.seq === 2)!;
      expect(target.body).toBe('message 2');
      expect(await store.replaceBody(target, 'resealed')).toBe(true);
      // Stale: the body is no longer what was read (as after an edit), so nothing is written.
      expect(await store.replaceBody(target, 'overwritten')).toBe(false);
      expect(await store.replaceBody({ ...target, chatId: b.chatId }, 'elsewhere')).toBe(false);
      const [after] = await store.findByIds([target.id]);
      expect(after).toMatchObject({ body: 'resealed', seq: 2, editedAt: null, changedSeq: 2 });
    });
  });
}
