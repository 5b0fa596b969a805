import type { ChangeEnvelope, EventLog, MessageEnvelope, SendEnvelope } from '../event-log/port.js';
import type { MessageStore } from '../message-store/port.js';
import type { ChatFeeds } from './chat-feed.js';
import type { ChatService } from './chat-service.js';
import type { RateLimits } from './rate-limits.js';
import { parseMessageCursor, SEQ_MAX } from './cursor.js';
import { badInput, conflict, DomainError, forbidden, notFound, unavailable } from './errors.js';
import { chatEventStream, type DeliveredEvent } from './chat-event-stream.js';
import type { ChatPosition, EventCursors } from './event-cursor.js';
import { messageIdFor, newId, parseId } from './ids.js';
import type { LiveCheck } from './live-check.js';
import { messageStream, storeUnavailable } from './message-stream.js';
import { LIMITS, pageSize } from './limits.js';
import { identifierText, sentBody } from './text.js';
import type { Message } from './models.js';
import type { SendMeter } from '../observability/meters.js';

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

export class MessageService {
  constructor(
    private readonly chats: ChatService,
    private readonly store: MessageStore,
    private readonly log: EventLog,
    private readonly feeds: ChatFeeds,
    private readonly limits: RateLimits,
    private readonly liveCheck: LiveCheck,
    private readonly cursors: EventCursors,
    private readonly typingTimeoutMs: number,
    private readonly meter?: SendMeter,
  ) {}

  async send(viewerId: string, rawChatId: string, rawBody: string, rawClientId?: string | null, rawReplyToId?: string | null): Promise<SendResult> {
    if (!this.meter) return this.accept(viewerId, rawChatId, rawBody, rawClientId, rawReplyToId);
    try {
      const accepted = await this.accept(viewerId, rawChatId, rawBody, rawClientId, rawReplyToId);
      this.meter.accepted();
      return accepted;
    } catch (error) {
      this.meter.rejected(error instanceof DomainError ? error.code : 'INTERNAL_SERVER_ERROR');
      throw error;
    }
  }

  private async accept(viewerId: string, rawChatId: string, rawBody: string, rawClientId?: string | null, rawReplyToId?: string | null): Promise<SendResult> {
    const body = sentBody(rawBody, LIMITS.bodyMax);
    const clientId = rawClientId == null ? newId() : identifierText(rawClientId, 'clientId', LIMITS.clientIdMax);
    const replyToId = rawReplyToId == null ? null : parseId(rawReplyToId, 'replyToId');
    const chatId = await this.chats.assertMember(viewerId, rawChatId);
    if (replyToId !== null) {
      const [original] = await this.byIds([replyToId]);
      if (!original || original.chatId !== chatId) throw badInput('replyToId must name a message of this chat');
    }
    await this.limits.checkSend(viewerId);
    const envelope: SendEnvelope = {
      messageId: messageIdFor(viewerId, chatId, clientId),
      chatId,
      senderId: viewerId,
      body,
      clientId,
      acceptedAt: new Date().toISOString(),
      ...(replyToId !== null ? { replyToId } : {}),
    };
    await this.append(envelope, 'The message could not be accepted; retry with the same clientId');
    return { messageId: envelope.messageId, chatId, clientId, acceptedAt: new Date(envelope.acceptedAt) };
  }

  /**
   * The sender edits a text message that is not deleted. Like a send, the
   * edit goes through the event log, so it keeps its place among the chat's
   * sends; the answer is the message as the edit leaves it.
   */
  async edit(viewerId: string, rawMessageId: string, rawBody: string): Promise<Message> {
    const body = sentBody(rawBody, LIMITS.bodyMax);
    const message = await this.visibleMessage(viewerId, rawMessageId);
    if (message.kind !== 'TEXT') throw badInput('Only text messages can be edited');
    if (message.senderId !== viewerId) throw forbidden('Only the sender can edit a message');
    if (message.deletedAt) throw conflict('This message was deleted');
    await this.limits.checkSend(viewerId);
    const acceptedAt = await this.appendChange(viewerId, message, 'edit', body);
    return { ...message, body, editedAt: acceptedAt };
  }

  /** The sender, or the group's owner, deletes a text message: it keeps its seq, and its body is empty from then on. */
  async delete(viewerId: string, rawMessageId: string): Promise<Message> {
    const message = await this.visibleMessage(viewerId, rawMessageId);
    if (message.kind !== 'TEXT') throw badInput('Only text messages can be deleted');
    if (message.deletedAt) return message;
    if (message.senderId !== viewerId) {
      const chat = await this.chats.requireMember(viewerId, message.chatId);
      if (chat.ownerId !== viewerId) throw forbidden('Only the sender or the group’s owner can delete a message');
    }
    await this.limits.checkSend(viewerId);
    const acceptedAt = await this.appendChange(viewerId, message, 'delete', null);
    return { ...message, body: '', deletedAt: acceptedAt };
  }

  /** A message of a chat the viewer is in; anyone else is told it does not exist. */
  private async visibleMessage(viewerId: string, rawMessageId: string): Promise<Message> {
    const [message] = await this.byIds([parseId(rawMessageId, 'messageId')]);
    if (!message) throw notFound('Message not found');
    try {
      await this.chats.assertMember(viewerId, message.chatId);
    } catch (error) {
      if (error instanceof DomainError && error.extensions.code === 'FORBIDDEN') throw notFound('Message not found');
      throw error;
    }
    return message;
  }

  private async appendChange(viewerId: string, message: Message, type: ChangeEnvelope['type'], body: string | null): Promise<Date> {
    const envelope: ChangeEnvelope = {
      type,
      changeId: newId(),
      messageId: message.id,
      chatId: message.chatId,
      senderId: viewerId,
      body,
      acceptedAt: new Date().toISOString(),
    };
    await this.append(envelope, `The ${type} could not be accepted; retry shortly`);
    return new Date(envelope.acceptedAt);
  }

  private async append(envelope: MessageEnvelope, failure: string): Promise<void> {
    try {
      await this.log.append(envelope);
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw unavailable(failure);
    }
  }

  /** Where a client reading the chat now should resume its chatEvents. */
  eventCursor(chatId: string, position: ChatPosition): string {
    return this.cursors.cursor(chatId, position);
  }

  /**
   * Every durable change to a chat (see chat-event-stream.ts). With `after`,
   * the changes since that cursor first; without, live from now.
   */
  async events(viewerId: string, rawChatId: string, after?: string | null): Promise<AsyncIterable<DeliveredEvent> & AsyncIterator<DeliveredEvent>> {
    const chatId = parseId(rawChatId, 'chatId');
    const position = after == null ? null : this.cursors.parse(chatId, after);
    // Subscribe first, then check: see stream().
    const subscription = await this.feeds.subscribe(chatId);
    try {
      const chat = await this.chats.requireMember(viewerId, chatId);
      subscription.recordedUpTo(chat);
      return chatEventStream({
        chatId,
        viewerId,
        subscription,
        lastEventSeq: chat.lastEventSeq,
        lastReadSeq: chat.readSeq,
        after: position,
        readStates: (afterReadSeq, upToReadSeq) => this.chats.readStates(chatId, afterReadSeq, upToReadSeq),
        store: this.store,
        liveCheck: this.liveCheck,
        typingTimeoutMs: this.typingTimeoutMs,
      });
    } catch (error) {
      subscription.close();
      throw error;
    }
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
        // No seq lies past SEQ_MAX, so there the probe needs no bound (and + 1 would overflow the column).
        beforeSeq: probe ? (beforeSeq < SEQ_MAX ? beforeSeq + 1 : undefined) : beforeSeq,
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
   * Live messages of a chat (see message-stream.ts). With afterSeq, stored
   * messages after it are replayed first; without, the stream starts at the
   * chat's current end.
   */
  async stream(viewerId: string, rawChatId: string, afterSeq?: number | null): Promise<AsyncIterable<Message> & AsyncIterator<Message>> {
    if (afterSeq != null && (!Number.isInteger(afterSeq) || afterSeq < 0)) {
      throw badInput('afterSeq must be a non-negative integer');
    }
    const chatId = parseId(rawChatId, 'chatId');
    // Subscribe first, then check: a leave this check does not see is published
    // after the subscription is live, so the stream receives it and ends.
    const subscription = await this.feeds.subscribe(chatId);
    try {
      // From the database, with the chat's lastSeq in the same read: where a stream
      // without afterSeq starts, and how far a replay may go.
      const chat = await this.chats.requireMember(viewerId, chatId);
      subscription.recordedUpTo(chat);
      return messageStream({ chatId, viewerId, subscription, lastSeq: chat.lastSeq, afterSeq: afterSeq ?? null, store: this.store, liveCheck: this.liveCheck });
    } catch (error) {
      subscription.close();
      throw error;
    }
  }
}
