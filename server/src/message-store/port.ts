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

/**
 * Where messages live. Writes are idempotent: a message whose id, `(chatId, seq)`
 * or `(senderId, clientId)` is already stored is not written again.
 */
export interface MessageStore {
  /** Returns the ids actually inserted; the rest collided with stored rows. */
  insertMany(messages: readonly Message[]): Promise<Set<string>>;
  findByIds(ids: readonly string[]): Promise<Message[]>;
  /** Highest stored seq per chat (0 for none). */
  maxSeqs(chatIds: readonly string[]): Promise<Map<string, number>>;
  /** Always returned oldest → newest. */
  range(chatId: string, range: SeqRange): Promise<Message[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
