import type { MessageStore } from '../message-store/port.js';
import type { BusSubscription } from '../realtime/port.js';
import type { ChatEvent } from '../realtime/events.js';
import { SubscriptionQueue } from '../realtime/subscription-queue.js';
import { DomainError, forbidden } from './errors.js';
import type { LiveCheck } from './live-check.js';
import type { Message } from './models.js';

const REPLAY_PAGE = 100;

/** From the live check: every message up to `seq` is stored. */
interface CatchUp {
  type: 'catchUp';
  seq: number;
}

type Inbound = ChatEvent | CatchUp;

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
 * was lost and cuts off a viewer whose leave was.
 */
export function messageStream(source: MessageStreamSource): AsyncIterable<Message> & AsyncIterator<Message> {
  const { chatId, viewerId, subscription, store } = source;
  const start = source.afterSeq ?? source.lastSeq;
  let promised = Math.max(start, source.lastSeq);

  const inbox = new SubscriptionQueue<Inbound>(() => {
    subscription.close();
    unwatch();
  });
  const unwatch = source.liveCheck.watch({
    chatId,
    viewerId,
    counter: 'lastSeq',
    promised: () => promised,
    catchUp: (seq) => {
      promised = Math.max(promised, seq);
      inbox.push({ type: 'catchUp', seq });
    },
    revoke: () => inbox.fail(forbidden('You left this chat')),
  });
  void (async () => {
    try {
      for await (const event of subscription) {
        if (event.type === 'messageStored') promised = Math.max(promised, event.message.seq);
        inbox.push(event);
      }
      inbox.close();
    } catch (error) {
      inbox.fail(error);
    }
  })();

  /** Stored messages with after < seq <= upTo, oldest first. */
  async function* stored(after: number, upTo: number): AsyncGenerator<Message> {
    for (let from = after; from < upTo; ) {
      const page = await store.range(chatId, { afterSeq: from, beforeSeq: upTo + 1, limit: REPLAY_PAGE, from: 'oldest' }).catch(storeUnavailable);
      yield* page;
      if (page.length < REPLAY_PAGE) return;
      from = page[page.length - 1].seq;
    }
  }

  async function* merged(): AsyncGenerator<Message> {
    let last = start;
    try {
      for await (const message of stored(start, source.lastSeq)) {
        yield message;
        last = message.seq;
      }
      for await (const event of inbox) {
        if (event.type === 'memberLeft') {
          if (event.userId === viewerId) throw forbidden('You left this chat');
          continue;
        }
        if (event.type === 'catchUp') {
          for await (const message of stored(last, event.seq)) {
            yield message;
            last = message.seq;
          }
          continue;
        }
        const { message } = event;
        if (message.seq <= last) continue;
        // A publish was missed or overtaken: fill the hole from the store.
        for await (const missed of stored(last, message.seq - 1)) yield missed;
        yield message;
        last = message.seq;
      }
    } finally {
      inbox.close();
    }
  }

  const stream = merged();
  // An async generator waiting for the next event only sees return() once that
  // event arrives; closing the inbox first ends the wait right away.
  return {
    next: () => stream.next(),
    return: (value) => {
      inbox.close();
      return stream.return(value);
    },
    throw: (error) => stream.throw(error),
    [Symbol.asyncIterator]() {
      return this;
    },
  } satisfies AsyncIterator<Message> & AsyncIterable<Message>;
}
