import type { EventLog, MessageEnvelope } from '../event-log/port.js';
import type { MessageStore } from '../message-store/port.js';
import { chatChannel, type RealtimeBus } from '../realtime/port.js';
import type { ChatService, MemberLeftEvent } from './chat-service.js';
import type { RateLimits } from './rate-limits.js';
import { parseMessageCursor } from './cursor.js';
import { badInput, DomainError, forbidden, unavailable } from './errors.js';
import { messageIdFor, newId } from './ids.js';
import { charCount, LIMITS, pageSize } from './limits.js';
import type { Message } from './models.js';

export interface SendResult {
  messageId: string;
  chatId: string;
  clientId: string;
  acceptedAt: Date;
}

export interface HistoryArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface HistoryPage {
  messages: Message[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

const REPLAY_PAGE = 100;

/** A store failure is the engine's, not the client's: say UNAVAILABLE, keep the cause for the log. */
function storeUnavailable(error: unknown): never {
  if (error instanceof DomainError) throw error;
  throw new DomainError('UNAVAILABLE', 'Message history is unavailable right now; retry shortly', { cause: error });
}

/**
 * Messages cross the realtime bus as JSON on some adapters: dates arrive as
 * strings. Converted once per received event, so every subscriber gets the
 * same object and the GraphQL layer can share one execution among them.
 */
const converted = new WeakMap<Message, Message>();
function fromWire(m: Message): Message {
  if (m.createdAt instanceof Date) return m;
  let message = converted.get(m);
  if (!message) converted.set(m, (message = { ...m, createdAt: new Date(m.createdAt) }));
  return message;
}

export class MessageService {
  constructor(
    private readonly chats: ChatService,
    private readonly store: MessageStore,
    private readonly log: EventLog,
    private readonly bus: RealtimeBus,
    private readonly limits: RateLimits,
  ) {}

  async send(viewerId: string, rawChatId: string, rawBody: string, rawClientId?: string | null): Promise<SendResult> {
    const body = rawBody.trim();
    const length = charCount(body);
    if (length < 1 || length > LIMITS.bodyMax) throw badInput(`body must be 1 to ${LIMITS.bodyMax} characters`);
    const clientId = rawClientId ?? newId();
    if (clientId.length < 1 || clientId.length > LIMITS.clientIdMax) {
      throw badInput(`clientId must be 1 to ${LIMITS.clientIdMax} characters`);
    }
    const chatId = await this.chats.assertMember(viewerId, rawChatId);
    await this.limits.checkSend(viewerId);
    const envelope: MessageEnvelope = {
      messageId: messageIdFor(viewerId, chatId, clientId),
      chatId,
      senderId: viewerId,
      body,
      clientId,
      acceptedAt: new Date().toISOString(),
    };
    try {
      await this.log.append(envelope);
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw unavailable('The message could not be accepted; retry with the same clientId');
    }
    return { messageId: envelope.messageId, chatId, clientId, acceptedAt: new Date(envelope.acceptedAt) };
  }

  /** Relay-style paging over seq; pages are always oldest → newest. */
  async history(viewerId: string, rawChatId: string, args: HistoryArgs): Promise<HistoryPage> {
    const { first, last } = args;
    if (first != null && last != null) throw badInput('Pass either first or last, not both');
    const afterSeq = args.after != null ? parseMessageCursor(args.after) : undefined;
    const beforeSeq = args.before != null ? parseMessageCursor(args.before) : undefined;
    const backward = last != null || (first == null && beforeSeq !== undefined && afterSeq === undefined);
    const limit = pageSize(backward ? last : first, backward ? 'last' : 'first');
    const chatId = await this.chats.assertMember(viewerId, rawChatId);
    // Seqs are dense from 1 and never reused, so a message exists beyond `before` exactly when
    // message `before` does: reading it with the page answers hasNextPage in the same query.
    const probe = backward && beforeSeq !== undefined;
    const rows = await this.store
      .range(chatId, {
        afterSeq,
        beforeSeq: probe ? beforeSeq + 1 : beforeSeq,
        limit: limit + (probe ? 2 : 1),
        from: backward ? 'newest' : 'oldest',
      })
      .catch(storeUnavailable);
    const hasNextPage = probe && rows.at(-1)?.seq === beforeSeq;
    if (hasNextPage) rows.pop();
    const more = rows.length > limit;
    const messages = backward ? rows.slice(rows.length - Math.min(rows.length, limit)) : rows.slice(0, limit);
    return backward
      ? { messages, hasPreviousPage: more, hasNextPage }
      : { messages, hasNextPage: more, hasPreviousPage: afterSeq !== undefined && afterSeq >= 1 };
  }

  byIds(ids: readonly string[]): Promise<Message[]> {
    return this.store.findByIds(ids).catch(storeUnavailable);
  }

  /**
   * Live messages of a chat. With afterSeq, stored messages after it are
   * replayed first. The bus subscription opens before history is read and
   * everything is merged by seq, so nothing falls between replay and live,
   * and nothing is delivered twice.
   */
  async stream(viewerId: string, rawChatId: string, afterSeq?: number | null): Promise<AsyncIterable<Message> & AsyncIterator<Message>> {
    if (afterSeq != null && (!Number.isInteger(afterSeq) || afterSeq < 0)) {
      throw badInput('afterSeq must be a non-negative integer');
    }
    const chatId = await this.chats.assertMember(viewerId, rawChatId);
    const subscription = await this.bus.subscribe<Message | MemberLeftEvent>(chatChannel(chatId));
    const store = this.store;

    async function* merged(): AsyncGenerator<Message> {
      let last = afterSeq ?? null;
      async function* storedAfter(seq: number, beforeSeq?: number): AsyncGenerator<Message> {
        for (let from = seq; ; ) {
          const page = await store.range(chatId, { afterSeq: from, beforeSeq, limit: REPLAY_PAGE, from: 'oldest' }).catch(storeUnavailable);
          yield* page;
          if (page.length < REPLAY_PAGE) return;
          from = page[page.length - 1].seq;
        }
      }
      try {
        if (last !== null) {
          for await (const m of storedAfter(last)) {
            yield m;
            last = m.seq;
          }
        }
        for await (const event of subscription) {
          if ('kind' in event) {
            if (event.userId === viewerId) throw forbidden('You left this chat');
            continue;
          }
          const message = fromWire(event);
          if (last !== null && message.seq <= last) continue;
          if (last !== null && message.seq > last + 1) {
            // A publish was missed or overtaken: fill the hole from the store.
            for await (const m of storedAfter(last, message.seq)) yield m;
          }
          yield message;
          last = message.seq;
        }
      } finally {
        subscription.close();
      }
    }
    const stream = merged();
    // An async generator waiting for the next event only sees return() once that
    // event arrives; closing the bus subscription first ends the wait right away.
    return {
      next: () => stream.next(),
      return: (value) => {
        subscription.close();
        return stream.return(value);
      },
      throw: (error) => stream.throw(error),
      [Symbol.asyncIterator]() {
        return this;
      },
    } satisfies AsyncIterator<Message> & AsyncIterable<Message>;
  }
}
