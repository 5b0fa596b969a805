import { REPLAY_PAGE } from '../config/tuning.js';
import type { MessageStore } from '../message-store/port.js';
import type { Logger } from '../observability/log.js';
import { chatChannel, storedEvent, type ChatEvent, type MessageChanged, type MessageStored, type ReadMoved } from '../realtime/events.js';
import type { BusSubscription, RealtimeBus } from '../realtime/port.js';
import { AsyncQueue } from '../support/async-queue.js';
import { EventOrder } from './event-order.js';

/** A chat's bus events as one stream reads them: in each counter's order, however the bus brought them. */
export interface ChatFeedSubscription extends BusSubscription<ChatEvent> {
  /** Where the chat stood when read after this subscription went live: every event and receipt up to these is recorded. */
  recordedUpTo(chat: { lastEventSeq: number; readSeq: number }): void;
}

/** The chat's stored changes at event seqs in (after, upTo], as the events that would have announced them. */
async function storedChanges(store: MessageStore, chatId: string, after: number, upTo: number): Promise<(MessageStored | MessageChanged)[]> {
  const events: (MessageStored | MessageChanged)[] = [];
  for (let from = after; from < upTo; ) {
    const page = await store.changedAfter(chatId, from, REPLAY_PAGE);
    for (const message of page) {
      if (message.changedSeq > upTo) return events;
      events.push(message.eventSeq > after ? storedEvent(message) : { type: 'messageChanged', change: message.deletedAt ? 'deleted' : 'edited', message });
    }
    if (page.length < REPLAY_PAGE) return events;
    from = page[page.length - 1].changedSeq;
  }
  return events;
}

/** One chat on this instance: one bus subscription, its events put in order once, handed to every stream of the chat. */
class Feed {
  private readonly streams = new Set<AsyncQueue<ChatEvent>>();
  private readonly changes: EventOrder<MessageStored | MessageChanged>;
  private readonly receipts: EventOrder<ReadMoved>;
  closed = false;

  constructor(
    chatId: string,
    private readonly upstream: BusSubscription<ChatEvent>,
    store: MessageStore,
    waitMs: number,
    logger: Logger,
    private readonly ended: (feed: Feed) => void,
  ) {
    const forward = (event: ChatEvent) => {
      for (const stream of this.streams) stream.push(event);
    };
    const fillFailed = (error: unknown) => logger.warn({ chatId, err: error }, 'could not read the events the bus missed; each stream reads them itself');
    this.changes = new EventOrder<MessageStored | MessageChanged>({ positionOf: (event) => event.message.changedSeq, fill: (after, upTo) => storedChanges(store, chatId, after, upTo) }, forward, waitMs, fillFailed);
    // Receipts are not read here: a receipt whose publish is lost is rare, and each stream still reads it.
    this.receipts = new EventOrder<ReadMoved>({ positionOf: (event) => event.readSeq }, forward, waitMs, fillFailed);
    void this.pump(forward);
  }

  private async pump(forward: (event: ChatEvent) => void): Promise<void> {
    try {
      for await (const event of this.upstream) {
        if (event.type === 'messageStored' || event.type === 'messageChanged') this.changes.accept(event);
        else if (event.type === 'readMoved') this.receipts.accept(event);
        // Leaves and typing carry no position: the sooner a leave ends a stream, the better.
        else forward(event);
      }
      this.end(null);
    } catch (error) {
      this.end(error);
    }
  }

  join(): ChatFeedSubscription {
    const stream: AsyncQueue<ChatEvent> = new AsyncQueue<ChatEvent>(() => {
      this.streams.delete(stream);
      if (this.streams.size === 0) this.end(null);
    });
    this.streams.add(stream);
    return {
      [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator](),
      close: () => stream.close(),
      recordedUpTo: ({ lastEventSeq, readSeq }) => {
        this.changes.storedUpTo(lastEventSeq);
        this.receipts.storedUpTo(readSeq);
      },
    };
  }

  /** The bus subscription ended (every stream gets its error, or its end), or the last stream left. */
  private end(error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.ended(this);
    this.changes.close();
    this.receipts.close();
    this.upstream.close();
    for (const stream of [...this.streams]) {
      if (error) stream.fail(error);
      else stream.close();
    }
  }
}

/**
 * The live event feeds of the chats this instance has streams of: one bus
 * subscription per chat, its message events and receipts put back in order
 * for all of its streams at once (event-order.ts), so that a publish
 * overtaken on its way costs the chat one wait, or one store read, instead of
 * one per stream. The streams keep their own gap handling for whatever gets
 * through (a fill that failed, a late event, the live check's catch-ups).
 */
export class ChatFeeds {
  private readonly feeds = new Map<string, Promise<Feed>>();

  constructor(
    private readonly bus: RealtimeBus,
    private readonly store: MessageStore,
    /** How long an event ahead of a missing one is held before the gap is read (BUS_REORDER_WAIT_MS). */
    private readonly waitMs: number,
    private readonly logger: Logger,
  ) {}

  /** Resolves once the feed's bus subscription is live, as bus.subscribe does. */
  async subscribe(chatId: string): Promise<ChatFeedSubscription> {
    for (;;) {
      const feed = await this.feedOf(chatId);
      // Its last stream left (or the bus dropped it) while this one waited: start another.
      if (!feed.closed) return feed.join();
    }
  }

  private feedOf(chatId: string): Promise<Feed> {
    const current = this.feeds.get(chatId);
    if (current) return current;
    const opening = this.bus.subscribe(chatChannel(chatId)).then(
      (upstream) =>
        new Feed(chatId, upstream, this.store, this.waitMs, this.logger, () => {
          if (this.feeds.get(chatId) === opening) this.feeds.delete(chatId);
        }),
      (error: unknown) => {
        if (this.feeds.get(chatId) === opening) this.feeds.delete(chatId);
        throw error;
      },
    );
    this.feeds.set(chatId, opening);
    return opening;
  }
}
