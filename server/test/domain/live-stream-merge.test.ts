import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatEventStream, type DeliveredEvent } from '../../src/domain/chat-event-stream.js';
import type { ChatPosition } from '../../src/domain/event-cursor.js';
import { DomainError } from '../../src/domain/errors.js';
import { LiveCheck } from '../../src/domain/live-check.js';
import { messageStream } from '../../src/domain/message-stream.js';
import type { Message } from '../../src/domain/models.js';
import { SqlMessageStore } from '../../src/message-store/sql-message-store.js';
import { silentLogger } from '../../src/observability/log.js';
import { LocalRealtimeBus } from '../../src/realtime/local-realtime-bus.js';
import { chatChannel, storedEvent, type ChatEvent } from '../../src/realtime/events.js';
import { SqlChatRepository } from '../../src/relational/chat-repository.js';
import { migrate, openRelational, type RelationalOrm } from '../../src/relational/orm.js';
import { SqlUserRepository } from '../../src/relational/user-repository.js';
import { pgliteTarget } from '../support/targets.js';

/*
 * The merge at a live stream's start: subscribe first, then read the chat's
 * counter with the membership, replay the store up to it, then live events,
 * merged by position. Real store (PGlite in process) and the in-process bus;
 * the streams are opened as MessageService opens them, with the bus events
 * placed where a race would put them.
 */

/** The stream's next `n` values, or a rejection when they do not all come within 3 s. */
async function take<T>(stream: AsyncIterator<T>, n: number): Promise<T[]> {
  const values: T[] = [];
  const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`only ${values.length} of ${n} values came`)), 3000));
  while (values.length < n) {
    const next = await Promise.race([stream.next(), deadline]);
    if (next.done) throw new Error(`ended after ${values.length} of ${n} values`);
    values.push(next.value);
  }
  return values;
}

/** Whether a read is still waiting after a short while (nothing more is due). */
async function waiting(read: Promise<unknown>): Promise<boolean> {
  const timeout = new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), 50));
  return (await Promise.race([read.then(() => 'came'), timeout])) === 'waiting';
}

const seqs = (messages: Message[]) => messages.map((m) => m.seq);
const upTo = (n: number, from = 1) => Array.from({ length: n - from + 1 }, (_, i) => from + i);

describe('live stream merge on pglite with the in-process bus', () => {
  let storage: Awaited<ReturnType<typeof pgliteTarget.provision>>;
  let orm: RelationalOrm;
  let bus: LocalRealtimeBus;
  let store: SqlMessageStore;
  let chats: SqlChatRepository;
  let users: SqlUserRepository;
  let liveCheck: LiveCheck;
  const closers: (() => unknown)[] = [];

  beforeAll(async () => {
    storage = await pgliteTarget.provision();
    orm = await openRelational(storage);
    await migrate(orm);
    bus = new LocalRealtimeBus();
    store = new SqlMessageStore(orm);
    chats = new SqlChatRepository(orm);
    users = new SqlUserRepository(orm);
    // Never due within a test: what the streams deliver comes from the merge alone.
    liveCheck = new LiveCheck(chats, 600_000, silentLogger);
  });

  afterAll(async () => {
    for (const close of closers) await close();
    liveCheck?.close();
    await bus?.close();
    await orm?.close();
    await storage?.dispose();
  });

  /** A group of a sender and a viewer; `send` stores messages as the persister does and returns them unpublished. */
  async function chat() {
    const newUser = () => users.create({ id: randomUUID(), username: `u_${randomBytes(6).toString('hex')}`, displayName: 'U', passwordHash: 'x' });
    const [sender, viewer] = await Promise.all([newUser(), newUser()]);
    const { id: chatId } = await chats.create({ kind: 'GROUP', title: 'merge', memberIds: [sender.id, viewer.id], directKey: null, ownerId: null });
    const send = async (count: number): Promise<Message[]> => {
      const { written } = await store.append(
        Array.from({ length: count }, (_, i) => ({ id: randomUUID(), chatId, senderId: sender.id, body: `m${i}`, clientId: randomUUID(), createdAt: new Date(), kind: 'TEXT' as const, subjectId: null, replyToId: null })),
      );
      expect(written).toHaveLength(count);
      return written;
    };
    const publish = (event: ChatEvent) => bus.publish(chatChannel(chatId), event);
    /** Subscribes, then reads the chat with the viewer's membership: how MessageService.stream starts one. */
    const messages = async (afterSeq: number | null, lastSeq?: number) => {
      const subscription = await bus.subscribe(chatChannel(chatId));
      const member = (await chats.findForMember(chatId, viewer.id))!;
      const stream = messageStream({ chatId, viewerId: viewer.id, subscription, lastSeq: lastSeq ?? member.lastSeq, afterSeq, store, liveCheck });
      closers.push(() => stream.return?.());
      return stream;
    };
    /** The same for chatEvents: the chat's lastEventSeq and readSeq read after the subscription. */
    const events = async (after: ChatPosition | null) => {
      const subscription = await bus.subscribe(chatChannel(chatId));
      const member = (await chats.findForMember(chatId, viewer.id))!;
      const stream = chatEventStream({
        chatId,
        viewerId: viewer.id,
        subscription,
        lastEventSeq: member.lastEventSeq,
        lastReadSeq: member.readSeq,
        after,
        readStates: (afterRead, upToRead) => chats.readStates(chatId, afterRead, upToRead),
        store,
        liveCheck,
        typingTimeoutMs: 6000,
      });
      closers.push(() => stream.return?.());
      return stream;
    };
    return { chatId, viewerId: viewer.id, send, publish, messages, events };
  }

  describe('messageAdded', () => {
    it('replays the stored history, then live messages: none missed and none twice when publishes land during the replay', async () => {
      const { send, publish, messages } = await chat();
      // More than one replay page (100), so the replay reads the store several times.
      const history = await send(250);
      const stream = await messages(0);
      // Publishes of messages stored before the check that arrive after the subscription: already in the replay.
      for (const message of history.slice(-3)) await publish(storedEvent(message));
      const first = await take(stream, 100);
      // Stored and published while the replay is under way.
      const during = await send(3);
      for (const message of during) await publish(storedEvent(message));
      await publish(storedEvent(during[1]!));
      const rest = await take(stream, 153);
      expect([...seqs(first), ...seqs(rest)]).toEqual(upTo(253));
      expect(await waiting(stream.next())).toBe(true);
    });

    it('resumes after a cursor: the stored messages after it, then live ones', async () => {
      const { send, publish, messages } = await chat();
      await send(6);
      const stream = await messages(3);
      const [live] = await send(1);
      await publish(storedEvent(live!));
      expect(seqs(await take(stream, 4))).toEqual([4, 5, 6, 7]);
    });

    it('without a cursor starts at the chat’s end: a late publish of an older message is dropped', async () => {
      const { send, publish, messages } = await chat();
      const stored = await send(5);
      const stream = await messages(null);
      await publish(storedEvent(stored[4]!));
      const [next] = await send(1);
      await publish(storedEvent(next!));
      expect(seqs(await take(stream, 1))).toEqual([6]);
      expect(await waiting(stream.next())).toBe(true);
    });

    it('fills a hole before a live message from the store, in seq order, and drops a publish that comes after its hole was read', async () => {
      const { send, publish, messages } = await chat();
      await send(2);
      const stream = await messages(2);
      const [lost, late, ahead] = await send(3);
      // Only the third of three publishes arrives first: 3 and 4 come from the store.
      await publish(storedEvent(ahead!));
      expect(seqs(await take(stream, 3))).toEqual([3, 4, 5]);
      await publish(storedEvent(lost!));
      await publish(storedEvent(late!));
      const [next] = await send(1);
      await publish(storedEvent(next!));
      expect(seqs(await take(stream, 1))).toEqual([6]);
    });

    it('replays only up to the lastSeq its membership check saw: a message stored after it waits for its publish', async () => {
      const { send, publish, messages } = await chat();
      await send(3);
      // The check read lastSeq 3; messages 4 and 5 are stored after it, their publishes on the way.
      const stream = await messages(0, 3);
      const after = await send(2);
      expect(seqs(await take(stream, 3))).toEqual([1, 2, 3]);
      const pending = stream.next();
      expect(await waiting(pending)).toBe(true);
      await publish(storedEvent(after[1]!));
      expect((await pending).value?.seq).toBe(4);
      expect(seqs(await take(stream, 1))).toEqual([5]);
    });

    it('ends with FORBIDDEN when the viewer’s leave is published, before any later message', async () => {
      const { chatId, viewerId, send, publish, messages } = await chat();
      const stream = await messages(null);
      await publish({ type: 'memberLeft', chatId, userId: viewerId });
      const [after] = await send(1);
      await publish(storedEvent(after!));
      const error = await stream.next().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).extensions.code).toBe('FORBIDDEN');
      expect((await stream.next()).done).toBe(true);
    });
  });

  describe('chatEvents', () => {
    const shape = (events: DeliveredEvent[]) => events.map((e) => [e.kind, e.eventSeq, 'message' in e ? e.message.body : null]);

    it('replays changes in event order, each message once as it is now, then live events; repeats of replayed events are dropped', async () => {
      const { chatId, send, publish, events } = await chat();
      const [one, two, three] = await send(3);
      const edit = await store.change({ changeId: randomUUID(), chatId, messageId: two!.id, change: 'edit', body: 'two, edited', acceptedAt: new Date() });
      expect(edit.message?.changedSeq).toBe(4);
      const stream = await events({ eventSeq: 0, readSeq: 0 });
      // Publishes of what the replay covers, arriving after the subscription.
      await publish(storedEvent(three!));
      await publish({ type: 'messageChanged', change: 'edited', message: edit.message! });
      const [four] = await send(1);
      await publish(storedEvent(four!));
      expect(shape(await take(stream, 4))).toEqual([
        ['MessageAdded', 1, one!.body],
        ['MessageAdded', 3, three!.body],
        ['MessageAdded', 4, 'two, edited'],
        ['MessageAdded', 5, four!.body],
      ]);
      expect(await waiting(stream.next())).toBe(true);
    });

    it('resumes from a position: what changed after it, as edits of messages the client has', async () => {
      const { chatId, send, events } = await chat();
      const [, two] = await send(3);
      await store.change({ changeId: randomUUID(), chatId, messageId: two!.id, change: 'delete', body: null, acceptedAt: new Date() });
      const stream = await events({ eventSeq: 3, readSeq: 0 });
      expect(shape(await take(stream, 1))).toEqual([['MessageDeleted', 4, '']]);
    });

    it('fills a hole before a live event from the store', async () => {
      const { send, publish, events } = await chat();
      await send(1);
      const stream = await events(null);
      const [lost, ahead] = await send(2);
      await publish(storedEvent(ahead!));
      expect(shape(await take(stream, 2))).toEqual([
        ['MessageAdded', 2, lost!.body],
        ['MessageAdded', 3, ahead!.body],
      ]);
    });
  });
});
