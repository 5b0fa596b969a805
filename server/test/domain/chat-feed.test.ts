import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ChatFeeds } from '../../src/domain/chat-feed.js';
import { chatEventStream, type DeliveredEvent } from '../../src/domain/chat-event-stream.js';
import { LiveCheck } from '../../src/domain/live-check.js';
import { messageStream } from '../../src/domain/message-stream.js';
import type { Message } from '../../src/domain/models.js';
import type { MessageStore } from '../../src/message-store/port.js';
import { SqlMessageStore } from '../../src/message-store/sql-message-store.js';
import { silentLogger } from '../../src/observability/log.js';
import { LocalRealtimeBus } from '../../src/realtime/local-realtime-bus.js';
import { openRealtimeBus } from '../../src/realtime/open-realtime-bus.js';
import { chatChannel, storedEvent, type ChatEvent } from '../../src/realtime/events.js';
import type { RealtimeBus } from '../../src/realtime/port.js';
import { SqlChatRepository } from '../../src/relational/chat-repository.js';
import { migrate, openRelational, type RelationalOrm } from '../../src/relational/orm.js';
import { SqlUserRepository } from '../../src/relational/user-repository.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { relationalTargets } from '../support/targets.js';

/*
 * Publishes from two processes (WORKERS=2, or two instances each with its
 * persister) reach the bus in any order. Here the test stores messages in a
 * real database and publishes them out of order on a real bus, the way two
 * persisters racing for one chat leave them, and counts the store reads of
 * every stream of the chat on this "instance".
 */

const STREAMS = 20;
// The PostgreSQL of the machine when it is there: the engine production runs on.
const target = relationalTargets[relationalTargets.length - 1];
const buses: { name: string; open: () => Promise<RealtimeBus>; skip: string | null }[] = [
  { name: 'the in-process bus', open: async () => new LocalRealtimeBus(), skip: null },
  { name: 'Redis', open: () => openRealtimeBus(loadConfig({ REDIS_URL }), silentLogger), skip: redisSkipReason },
];

/** The real store, with its reads counted: a stream (or the feed) reading a gap costs one. */
function countingStore(store: MessageStore) {
  const counted = { reads: 0, failNext: 0 };
  const proxy = new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key !== 'range' && key !== 'changedAfter') return typeof value === 'function' ? value.bind(target) : value;
      return (...args: unknown[]) => {
        counted.reads++;
        if (counted.failNext > 0) {
          counted.failNext--;
          return Promise.reject(new Error('store unreachable'));
        }
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
  return Object.assign(counted, { store: proxy });
}

/** Resolves with the stream's next `n` values, or rejects when they do not all come within 3 s. */
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(buses.filter((bus) => !bus.skip))(`one ordered feed per chat, ${target.name} with $name`, ({ open }) => {
  let storage: Awaited<ReturnType<typeof target.provision>>;
  let orm: RelationalOrm;
  let bus: RealtimeBus;
  let chats: SqlChatRepository;
  let users: SqlUserRepository;
  let liveCheck: LiveCheck;
  const closers: (() => unknown)[] = [];

  beforeAll(async () => {
    storage = await target.provision();
    orm = await openRelational(storage);
    await migrate(orm);
    bus = await open();
    chats = new SqlChatRepository(orm);
    users = new SqlUserRepository(orm);
    // Never due within a test: the feed alone must keep the order.
    liveCheck = new LiveCheck(chats, 600_000, silentLogger);
  });
  afterAll(async () => {
    for (const close of closers) await close();
    liveCheck?.close();
    await bus?.close();
    await orm?.close();
    await storage?.dispose();
  });

  /** A group of a sender and a viewer; `send` stores messages as the persister does, and returns them unpublished. */
  async function setup(waitMs: number) {
    const newUser = () => users.create({ id: randomUUID(), username: `u_${randomBytes(6).toString('hex')}`, displayName: 'U', passwordHash: 'x' });
    const [sender, viewer] = await Promise.all([newUser(), newUser()]);
    const chat = await chats.create({ kind: 'GROUP', title: 'feed', memberIds: [sender.id, viewer.id], directKey: null, ownerId: null });
    const counted = countingStore(new SqlMessageStore(orm));
    const feeds = new ChatFeeds(bus, counted.store, waitMs, silentLogger);
    const send = async (count: number): Promise<Message[]> => {
      const { written } = await counted.store.append(
        Array.from({ length: count }, (_, i) => ({ id: randomUUID(), chatId: chat.id, senderId: sender.id, body: `m${i}`, clientId: randomUUID(), createdAt: new Date(), kind: 'TEXT' as const, subjectId: null, replyToId: null })),
      );
      return written;
    };
    const publish = (event: ChatEvent) => bus.publish(chatChannel(chat.id), event);
    /** The viewer's live messageAdded streams, as MessageService opens them. */
    const messageStreams = (n: number) =>
      Promise.all(
        Array.from({ length: n }, async () => {
          const subscription = await feeds.subscribe(chat.id);
          const member = (await chats.findForMember(chat.id, viewer.id))!;
          subscription.recordedUpTo(member);
          const stream = messageStream({ chatId: chat.id, viewerId: viewer.id, subscription, lastSeq: member.lastSeq, afterSeq: null, store: counted.store, liveCheck });
          closers.push(() => stream.return?.());
          return stream;
        }),
      );
    /** The viewer's live chatEvents streams. */
    const eventStreams = (n: number) =>
      Promise.all(
        Array.from({ length: n }, async () => {
          const subscription = await feeds.subscribe(chat.id);
          const member = (await chats.findForMember(chat.id, viewer.id))!;
          subscription.recordedUpTo(member);
          const stream = chatEventStream({
            chatId: chat.id,
            viewerId: viewer.id,
            subscription,
            lastEventSeq: member.lastEventSeq,
            lastReadSeq: member.readSeq,
            after: null,
            readStates: (after, upTo) => chats.readStates(chat.id, after, upTo),
            store: counted.store,
            liveCheck,
            typingTimeoutMs: 6000,
          });
          closers.push(() => stream.return?.());
          return stream;
        }),
      );
    return { chatId: chat.id, viewerId: viewer.id, counted, feeds, send, publish, messageStreams, eventStreams };
  }

  it('a publish overtaken by the next one is waited for: every stream gets both in seq order, and none reads the store', async () => {
    const { counted, send, publish, messageStreams } = await setup(2000);
    const streams = await messageStreams(STREAMS);
    const [first, second] = await send(2);
    await publish(storedEvent(second));
    await sleep(30);
    await publish(storedEvent(first));
    for (const stream of streams) expect((await take(stream, 2)).map((m) => m.seq)).toEqual([first.seq, second.seq]);
    expect(counted.reads).toBe(0);
  });

  it('a publish that never comes is read once for all the chat’s streams, which all get the same message in order', async () => {
    const { counted, send, publish, messageStreams } = await setup(50);
    const streams = await messageStreams(STREAMS);
    const [first, lost, third] = await send(3);
    await publish(storedEvent(first));
    await publish(storedEvent(third));
    const received = await Promise.all(streams.map((stream) => take(stream, 3)));
    for (const messages of received) expect(messages.map((m) => [m.seq, m.body])).toEqual([first, lost, third].map((m) => [m.seq, m.body]));
    expect(counted.reads).toBe(1);
    // One object for every stream: the GraphQL layer then runs one execution for all of them.
    expect(new Set(received.map((messages) => messages[1])).size).toBe(1);
  });

  it('chatEvents streams too: a lost publish is one read, and every stream gets each event once in event order', async () => {
    const { counted, send, publish, eventStreams } = await setup(50);
    const streams = await eventStreams(STREAMS);
    const sent = await send(4);
    for (const message of [sent[0], sent[2], sent[3]]) await publish(storedEvent(message));
    for (const stream of streams) {
      const events = await take<DeliveredEvent>(stream, 4);
      expect(events.map((e) => [e.kind, e.eventSeq])).toEqual(sent.map((m) => ['MessageAdded', m.eventSeq]));
    }
    expect(counted.reads).toBe(1);
  });

  it('a late publish after its gap was read, and a repeated one, are delivered to nobody twice', async () => {
    const { counted, send, publish, messageStreams } = await setup(30);
    const streams = await messageStreams(STREAMS);
    const [first, late, third, fourth] = await send(4);
    await publish(storedEvent(first));
    await publish(storedEvent(third));
    await sleep(200);
    await publish(storedEvent(late));
    await publish(storedEvent(third));
    await publish(storedEvent(fourth));
    for (const stream of streams) expect((await take(stream, 4)).map((m) => m.seq)).toEqual([first, late, third, fourth].map((m) => m.seq));
    expect(counted.reads).toBe(1);
    // Nothing more is on its way: the next thing each stream gets is a new message.
    const [fifth] = await send(1);
    await publish(storedEvent(fifth));
    for (const stream of streams) expect((await take(stream, 1))[0].seq).toBe(fifth.seq);
  });

  it('a leave is not held behind a message waiting for its gap: the stream ends before delivering anything newer', async () => {
    const { viewerId, chatId, send, publish, messageStreams } = await setup(2000);
    const [stream] = await messageStreams(1);
    const [, after] = await send(2);
    // A message overtook the one before it, and the viewer's leave follows: it must not wait for the gap.
    await publish(storedEvent(after));
    await publish({ type: 'memberLeft', chatId, userId: viewerId });
    await expect(stream.next()).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
  });

  it('when the feed cannot read the gap, each stream reads it itself and still gets everything in order', async () => {
    const { counted, send, publish, messageStreams } = await setup(30);
    const streams = await messageStreams(3);
    const [first, lost, third] = await send(3);
    counted.failNext = 1;
    await publish(storedEvent(first));
    await publish(storedEvent(third));
    for (const stream of streams) expect((await take(stream, 3)).map((m) => m.seq)).toEqual([first, lost, third].map((m) => m.seq));
    expect(counted.reads).toBe(1 + streams.length);
  });

  it('the chat’s last stream leaving ends its bus subscription; the next stream starts a new one that works', async () => {
    const { send, publish, messageStreams } = await setup(30);
    const [stream] = await messageStreams(1);
    await stream.return?.();
    const [again] = await messageStreams(1);
    const [message] = await send(1);
    await publish(storedEvent(message));
    expect((await take(again, 1))[0].seq).toBe(message.seq);
  });
});
