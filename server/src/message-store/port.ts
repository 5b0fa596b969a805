import type { Message } from '../domain/models.js';

export interface SeqRange {
  /** Exclusive lower bound. */
  afterSeq?: number;
  /** Exclusive upper bound. */
  beforeSeq?: number;
  limit: number;
  /** 'oldest' takes the page nearest afterSeq, 'newest' the page nearest beforeSeq. */
  from: 'oldest' | 'newest';
}

/** A half-open time window: `from` included, `to` excluded. */
export interface TimeWindow {
  from: Date;
  to: Date;
}

/** What one chat saw within a window: only chats with at least one message have one. */
export interface ChatWindowActivity {
  chatId: string;
  messages: number;
  /** Distinct senders. */
  senders: number;
  firstAt: Date;
  lastAt: Date;
}

export interface WindowActivity {
  /** Ordered by chat id. */
  chats: ChatWindowActivity[];
  /** Distinct senders across every chat: not the sum of the chats' senders. */
  activeUsers: number;
}

/** insertMany's refusal of a message whose chat or sender does not exist, from a store that checks them. */
export class MissingReferenceError extends Error {
  constructor(options?: ErrorOptions) {
    super('a message names a chat or sender that does not exist', options);
    this.name = 'MissingReferenceError';
  }
}

/**
 * Where messages live. A message whose id, `(chatId, seq)` or
 * `(senderId, clientId)` is already stored is never written again.
 */
export interface MessageStore {
  /**
   * Writes messages in the given order and stops at the first one that collides
   * with a stored row. Returns how many were written: always a prefix of the
   * input (possibly empty, e.g. when an adapter writes all or nothing), never a
   * row after a collision, so a caller that retries the rest leaves no seq hole.
   */
  insertMany(messages: readonly Message[]): Promise<number>;
  /**
   * Whether insertMany refuses, with MissingReferenceError and writing nothing,
   * a message whose chat or sender does not exist. When false it writes such a
   * message, so callers must check the references before writing.
   */
  readonly checksReferences: boolean;
  findByIds(ids: readonly string[]): Promise<Message[]>;
  /** Highest stored seq per chat (0 for none). */
  maxSeqs(chatIds: readonly string[]): Promise<Map<string, number>>;
  /** Always returned oldest → newest. */
  range(chatId: string, range: SeqRange): Promise<Message[]>;
  /** Counts messages by `createdAt` within the window, per chat and overall, in one pass over the store. */
  activity(window: TimeWindow): Promise<WindowActivity>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
