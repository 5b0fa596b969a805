/** What the API appends and the persister consumes: a send, accepted but not yet ordered. */
export interface MessageEnvelope {
  messageId: string;
  chatId: string;
  senderId: string;
  body: string;
  clientId: string;
  acceptedAt: string;
}

/** An envelope that can never be stored, and why; it goes to the dead-letter queue. */
export interface Rejection {
  envelope: MessageEnvelope;
  reason: string;
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
