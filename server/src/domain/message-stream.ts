import { REPLAY_PAGE } from '../config/tuning.js';
import type { MessageStore } from '../message-store/port.js';
import type { BusSubscription } from '../realtime/port.js';
import type { ChatEvent } from '../realtime/events.js';
import { DomainError } from './errors.js';
import { liveInbox, noLongerMember } from './live-inbox.js';
import type { LiveCheck } from './live-check.js';
import type { Message } from './models.js';

/** A store failure is the engine's, not the client's: say UNAVAILABLE, keep the cause for the log. */
export function storeUnavailable(error: unknown): never {
  if (error instanceof DomainError) throw error;
  throw new DomainError('UNAVAILABLE', 'Message history is unavailable right now; retry shortly', { cause: error });
}

export interface MessageStreamSource {
  chatId: string;
  viewerId: string;
  /** Already live when the membership check below was made. */
  subscription: BusSubscription<ChatEvent>;
  /** The chat's lastSeq, read with the viewer's membership after the subscription went live. */
  lastSeq: number;
  /** Replay from here when set; otherwise start at lastSeq. */
  afterSeq: number | null;
  store: MessageStore;
  liveCheck: LiveCheck;
}

/**
 * One subscriber's messages: stored ones after `afterSeq` up to the lastSeq
 * read with the membership check, then live ones from the bus, merged by
 * seq, so nothing falls between replay and live and nothing arrives twice.
 * Everything it delivers was recorded while the viewer was a member: replay
 * stops at the lastSeq the membership check vouched for, a hole before a live
 * message is filled only with messages stored before it, and a leave
 * published after the check arrives before any later message and ends the
 * stream. The live check (see live-check.ts) fills in messages whose publish
 * was lost and cuts off a viewer whose leave was. The subscription is the
 * chat's feed on this instance (chat-feed.ts), which already puts publishes
 * that overtook each other back in order for every stream of the chat: a hole
 * here is one the feed gave up on, or a live check catch-up.
 */
export function messageStream(source: MessageStreamSource): AsyncIterable<Message> & AsyncIterator<Message> {
  const { chatId, viewerId, subscription, store } = source;
  const start = source.afterSeq ?? source.lastSeq;
  const inbox = liveInbox({
    ...source,
    counter: 'lastSeq',
    promised: Math.max(start, source.lastSeq),
    positionOf: (event) => (event.type === 'messageStored' ? event.message.seq : undefined),
  });

  /*
   * A hand-written iterator, not async generators: at saturation every
   * subscriber steps through this once per message, and an async generator
   * (plus one more per message for a hole that is almost never there) costs
   * several promises and microtask hops per step. Here a message that follows
   * the last one directly costs one inbox read; the store is read only for a
   * real hole, a catch-up, or the replay.
   */
  const events = inbox[Symbol.asyncIterator]();
  let last = start;
  /** Stored messages with `from` < seq <= `upTo` still to read from the store, a page at a time. */
  let hole: { from: number; upTo: number } | null = source.lastSeq > start ? { from: start, upTo: source.lastSeq } : null;
  /** A live message held back until the hole before it is delivered. */
  let held: Message | null = null;
  let page: Message[] = [];
  let at = 0;
  let finished = false;

  const end = (): IteratorResult<Message> => {
    finished = true;
    inbox.close();
    return { value: undefined, done: true };
  };

  const deliver = (message: Message): IteratorResult<Message> => {
    last = message.seq;
    return { value: message, done: false };
  };

  /** Reads the next page of the hole into `page`. */
  async function readHole(range: { from: number; upTo: number }): Promise<void> {
    const rows = await store.range(chatId, { afterSeq: range.from, beforeSeq: range.upTo + 1, limit: REPLAY_PAGE, from: 'oldest' }).catch(storeUnavailable);
    if (rows.length < REPLAY_PAGE || rows[rows.length - 1].seq >= range.upTo) hole = null;
    else range.from = rows[rows.length - 1].seq;
    page = rows;
    at = 0;
  }

  async function step(): Promise<IteratorResult<Message>> {
    for (;;) {
      if (finished) return { value: undefined, done: true };
      while (at < page.length) {
        const message = page[at++];
        if (message.seq > last) return deliver(message);
      }
      if (hole) {
        await readHole(hole);
        continue;
      }
      if (held) {
        const message = held;
        held = null;
        if (message.seq > last) return deliver(message);
        continue;
      }
      const next = await events.next();
      if (next.done) return end();
      const event = next.value;
      if (event.type === 'memberLeft') {
        if (event.userId === viewerId) throw noLongerMember();
        continue;
      }
      if (event.type === 'catchUp') {
        if (event.position > last) hole = { from: last, upTo: event.position };
        continue;
      }
      // Edits and deletions are chatEvents' business.
      if (event.type !== 'messageStored') continue;
      const { message } = event;
      if (message.seq <= last) continue;
      if (message.seq === last + 1) return deliver(message);
      // A publish was missed or overtaken: fill the hole from the store first.
      hole = { from: last, upTo: message.seq - 1 };
      held = message;
    }
  }

  const stream: AsyncIterator<Message> & AsyncIterable<Message> = {
    next: () =>
      step().catch((error: unknown) => {
        // Like a generator that threw: the stream is over, and says so once.
        end();
        throw error;
      }),
    // A read waiting for the next event ends at once: closing the inbox resolves it as done.
    return: (value) => {
      end();
      return Promise.resolve({ value, done: true });
    },
    throw: (error) => {
      end();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return stream;
}
