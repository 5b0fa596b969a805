import type { Message, MessageKind } from '../domain/models.js';

/**
 * A message accepted but not yet ordered: a send, or a system message
 * (membership, title) from the chat outbox. Envelopes written before system
 * messages existed carry neither `type` nor `kind`: text sends.
 */
export interface SendEnvelope extends Pick<Message, 'chatId' | 'senderId' | 'body'>, Partial<Pick<Message, 'kind' | 'subjectId' | 'replyToId'>> {
  type?: 'send';
  /** The message's id. */
  messageId: string;
  clientId: string;
  /** The message's createdAt, as JSON carries it. */
  acceptedAt: string;
  /** TEXT when absent. */
  kind?: MessageKind;
}

/** An edit or deletion of a stored message, accepted but not yet applied; `senderId` is who made it. */
export interface ChangeEnvelope {
  type: 'edit' | 'delete';
  /** Unique per change: what orders two changes accepted at the same instant, and what a redelivery repeats. */
  changeId: string;
  messageId: string;
  chatId: string;
  senderId: string;
  /** The new body of an edit; null for a deletion. */
  body: string | null;
  acceptedAt: string;
}

/** What the API appends and the persister consumes, keyed by chat so a chat's changes keep their order. */
export type MessageEnvelope = SendEnvelope | ChangeEnvelope;

export const isChange = (envelope: MessageEnvelope): envelope is ChangeEnvelope => envelope.type === 'edit' || envelope.type === 'delete';

/** Names one envelope: rejections and dead letters are matched by it. */
export const envelopeId = (envelope: MessageEnvelope): string => (isChange(envelope) ? envelope.changeId : envelope.messageId);

/** An envelope that can never be stored, and why; it goes to the dead-letter queue. */
export interface Rejection {
  envelope: MessageEnvelope;
  reason: string;
  /**
   * CONFLICT: the envelope was well formed but the state it met makes it
   * moot (an edit of a message deleted meanwhile). Absent: it can never be
   * stored (BAD_USER_INPUT to a sender who waits for it).
   */
  code?: 'CONFLICT';
}

/**
 * Handles a batch: resolves once every envelope is stored or rejected (and
 * returns the rejected ones); throws on a transient failure, so the whole batch
 * is delivered again later.
 */
export type EnvelopeHandler = (batch: MessageEnvelope[]) => Promise<Rejection[]>;

export interface EventLog {
  /** Resolves once the log holds the envelope durably; from then on it will be stored. */
  append(envelope: MessageEnvelope): Promise<void>;
  /** Starts delivering batches, in per-chat order, to the handler. */
  consume(handler: EnvelopeHandler): Promise<void>;
  /** Rejects when the log cannot take appends (readiness). */
  ping(): Promise<void>;
  /** Stops accepting appends and waits for everything accepted to be handled. */
  close(): Promise<void>;
}
