import { REPLAY_PAGE } from '../config/tuning.js';
import type { MessageStore } from '../message-store/port.js';
import type { ChatEvent, MessageChanged, MessageStored } from '../realtime/events.js';
import type { BusSubscription } from '../realtime/port.js';
import { liveInbox, noLongerMember } from './live-inbox.js';
import { TypingSeen } from './typing-seen.js';
import type { ChatPosition } from './event-cursor.js';
import type { LiveCheck } from './live-check.js';
import { storeUnavailable } from './message-stream.js';
import type { Message, ReadState } from './models.js';

/** A durable event as a client receives it: its kind, its position, and the message it is about (ChatChanged: the system message that announced the change). */
export interface MessageEvent {
  kind: 'MessageAdded' | 'MessageEdited' | 'MessageDeleted' | 'ChatChanged';
  chatId: string;
  eventSeq: number;
  message: Message;
}

/** Someone started or stopped typing: live only. */
export interface TypingEvent {
  kind: 'TypingChanged';
  chatId: string;
  eventSeq: number;
  userId: string;
  typing: boolean;
}

/** A member's read mark moved: durable, replayed on resume (in the chat's own order of receipts). */
export interface ReadEvent {
  kind: 'ReadPositionMoved';
  chatId: string;
  eventSeq: number;
  userId: string;
  lastReadSeq: number;
}

/** What a subscriber receives, with where it then stands in both of the chat's orders (its cursor). */
export type DeliveredEvent = (MessageEvent | TypingEvent | ReadEvent) & { readSeq: number };
export type ChatEventKind = DeliveredEvent['kind'];

/** From the stream's own typing view: someone's typing ran out. */
interface TypingExpired {
  type: 'typingExpired';
  userId: string;
}

/** From the live check: every receipt up to `position` is recorded. */
interface ReadCatchUp {
  type: 'readCatchUp';
  position: number;
}

/**
 * What a stored message means to a client whose last position was `since`:
 * new to it (and, for a system message, a change to the chat as well), or a
 * change to a message it has. A message changed several times since then
 * comes once, as it is now: the client ends in the same state either way.
 */
function eventsFor(message: Message, since: number): MessageEvent[] {
  const at = { chatId: message.chatId, eventSeq: message.changedSeq, message };
  if (message.eventSeq > since) {
    const added: MessageEvent = { kind: 'MessageAdded', ...at };
    return message.kind === 'TEXT' ? [added] : [added, { kind: 'ChatChanged', ...at }];
  }
  return [{ kind: message.deletedAt ? 'MessageDeleted' : 'MessageEdited', ...at }];
}

/*
 * Live events are wrapped once per bus event, not once per subscriber: every
 * subscriber of the chat on this instance then receives the same objects, and
 * the GraphQL layer can share one execution among them (execution-sharing.ts).
 */
const wrapped = new WeakMap<MessageStored | MessageChanged, MessageEvent[]>();
function liveEvents(event: MessageStored | MessageChanged): MessageEvent[] {
  let events = wrapped.get(event);
  if (!events) {
    const { message } = event;
    const at = { chatId: message.chatId, eventSeq: message.changedSeq, message };
    events =
      event.type === 'messageStored'
        ? eventsFor(message, message.eventSeq - 1)
        : [{ kind: event.change === 'deleted' ? 'MessageDeleted' : 'MessageEdited', ...at }];
    wrapped.set(event, events);
  }
  return events;
}

export interface ChatEventStreamSource {
  chatId: string;
  viewerId: string;
  /** Already live when the membership check below was made. */
  subscription: BusSubscription<ChatEvent>;
  /** The chat's lastEventSeq and readSeq, read with the viewer's membership after the subscription went live. */
  lastEventSeq: number;
  lastReadSeq: number;
  /** Replay the changes after this position when set; otherwise start at the chat's current one. */
  after: ChatPosition | null;
  /** Members' read states that moved in (after, upTo]. */
  readStates(afterReadSeq: number, upToReadSeq: number): Promise<ReadState[]>;
  store: MessageStore;
  liveCheck: LiveCheck;
  /** How long someone shows as typing without a renewal. */
  typingTimeoutMs: number;
}

/**
 * One subscriber's chat events: every change stored after `after` up to the
 * lastEventSeq read with the membership check, then live ones from the bus,
 * merged by event seq, so nothing falls between replay and live and nothing
 * arrives twice. A hole before a live event (a publish lost or overtaken) is
 * filled from the store; the live check fills in events whose publish never
 * came and cuts off a viewer whose leave was lost. Everything delivered was
 * stored while the viewer was a member (see message-stream.ts for why).
 */
export function chatEventStream(source: ChatEventStreamSource): AsyncIterable<DeliveredEvent> & AsyncIterator<DeliveredEvent> {
  const { chatId, viewerId, subscription, store } = source;
  const start = source.after?.eventSeq ?? source.lastEventSeq;
  const readStart = source.after?.readSeq ?? source.lastReadSeq;
  const inbox = liveInbox<TypingExpired | ReadCatchUp>({
    ...source,
    counter: 'lastEventSeq',
    promised: Math.max(start, source.lastEventSeq),
    positionOf: (event) => (event.type === 'messageStored' || event.type === 'messageChanged' ? event.message.changedSeq : undefined),
  });
  const typing = new TypingSeen(source.typingTimeoutMs, (userId) => inbox.push({ type: 'typingExpired', userId }));
  /** The highest receipt delivered or on its way, for the live check. */
  let promisedRead = Math.max(readStart, source.lastReadSeq);
  // Receipts have their own count: the live check watches it too, so a lost receipt publish shows within two intervals.
  const unwatchReads = source.liveCheck.watch({
    chatId,
    viewerId,
    counter: 'readSeq',
    promised: () => promisedRead,
    catchUp: (position) => {
      promisedRead = Math.max(promisedRead, position);
      inbox.push({ type: 'readCatchUp', position });
    },
    // The message watch already ends the stream of someone who is no longer a member.
    revoke: () => undefined,
  });

  /** Stored changes with since < event seq <= upTo, in event order. */
  async function* stored(since: number, upTo: number): AsyncGenerator<MessageEvent> {
    for (let from = since; from < upTo; ) {
      const page = await store.changedAfter(chatId, from, REPLAY_PAGE).catch(storeUnavailable);
      for (const message of page) {
        if (message.changedSeq > upTo) return;
        yield* eventsFor(message, since);
      }
      if (page.length < REPLAY_PAGE) return;
      from = page[page.length - 1].changedSeq;
    }
  }

  async function* merged(): AsyncGenerator<DeliveredEvent> {
    let last = start;
    let lastRead = readStart;
    const at = <T extends MessageEvent | TypingEvent | ReadEvent>(event: T): DeliveredEvent => ({ ...event, readSeq: lastRead });
    const typingChanged = (userId: string, isTyping: boolean): DeliveredEvent => at({ kind: 'TypingChanged', chatId, eventSeq: last, userId, typing: isTyping });
    /** Receipts of the others that moved in (after, upTo], as they stand now. */
    async function* readMoves(after: number, upTo: number): AsyncGenerator<DeliveredEvent> {
      if (upTo <= after) return;
      const moved = await source.readStates(after, upTo).catch(storeUnavailable);
      for (const state of moved) {
        lastRead = Math.max(lastRead, state.readSeq);
        if (state.userId !== viewerId) yield at({ kind: 'ReadPositionMoved', chatId, eventSeq: last, userId: state.userId, lastReadSeq: state.lastReadSeq });
      }
      lastRead = Math.max(lastRead, upTo);
    }
    /** Someone who stopped showing up in the chat (a message of theirs, a leave) stops typing first. */
    function* stoppedTyping(userId: string): Generator<DeliveredEvent> {
      if (typing.stop(userId)) yield typingChanged(userId, false);
    }
    try {
      for await (const event of stored(start, source.lastEventSeq)) yield at(event);
      last = Math.max(last, source.lastEventSeq);
      yield* readMoves(readStart, source.lastReadSeq);
      for await (const event of inbox) {
        if (event.type === 'memberLeft') {
          if (event.userId === viewerId) throw noLongerMember();
          yield* stoppedTyping(event.userId);
          continue;
        }
        if (event.type === 'typing') {
          // A viewer's own typing is not news to them.
          if (event.userId === viewerId) continue;
          if (event.typing ? typing.start(event.userId) : typing.stop(event.userId)) yield typingChanged(event.userId, event.typing);
          continue;
        }
        if (event.type === 'typingExpired') {
          yield typingChanged(event.userId, false);
          continue;
        }
        if (event.type === 'readCatchUp') {
          if (event.position <= lastRead) continue;
          yield* readMoves(lastRead, event.position);
          continue;
        }
        if (event.type === 'readMoved') {
          promisedRead = Math.max(promisedRead, event.readSeq);
          if (event.readSeq <= lastRead) continue;
          // Receipts are numbered under the chat's lock and published in that order: a hole was lost or overtaken.
          yield* readMoves(lastRead, event.readSeq - 1);
          lastRead = event.readSeq;
          if (event.userId !== viewerId) yield at({ kind: 'ReadPositionMoved', chatId, eventSeq: last, userId: event.userId, lastReadSeq: event.lastReadSeq });
          continue;
        }
        if (event.type === 'catchUp') {
          if (event.position <= last) continue;
          for await (const missed of stored(last, event.position)) yield at(missed);
          last = event.position;
          continue;
        }
        const eventSeq = event.message.changedSeq;
        if (eventSeq <= last) continue;
        // Events of a chat are numbered under its lock and published in that order: a hole was lost or overtaken.
        if (eventSeq > last + 1) for await (const missed of stored(last, eventSeq - 1)) yield at(missed);
        if (event.type === 'messageStored') {
          const { senderId, subjectId, kind } = event.message;
          yield* stoppedTyping(senderId);
          if (subjectId && (kind === 'MEMBER_LEFT' || kind === 'MEMBER_REMOVED')) yield* stoppedTyping(subjectId);
        }
        for (const live of liveEvents(event)) yield at(live);
        last = eventSeq;
      }
    } finally {
      typing.close();
      unwatchReads();
      inbox.close();
    }
  }

  const stream = merged();
  // An async generator waiting for the next event only sees return() once that
  // event arrives; closing the inbox first ends the wait right away.
  return {
    next: () => stream.next(),
    return: (value) => {
      // A stream closed before its first read never runs the generator's finally.
      inbox.close();
      unwatchReads();
      typing.close();
      return stream.return(value);
    },
    throw: (error) => stream.throw(error),
    [Symbol.asyncIterator]() {
      return this;
    },
  } satisfies AsyncIterator<DeliveredEvent> & AsyncIterable<DeliveredEvent>;
}
