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

/** A refusal of a message whose chat or sender does not exist, from a store that checks them. */
export class MissingReferenceError extends Error {
  constructor(options?: ErrorOptions) {
    super('a message names a chat or sender that does not exist', options);
    this.name = 'MissingReferenceError';
  }
}

/**
 * A refusal of data the store can never hold (PostgreSQL refuses a NUL in
 * text, for one): retrying cannot help, unlike a collision or an outage.
 * Nothing in the call that threw is reported as written, though an adapter
 * that writes a prefix may have written one; callers re-read by key.
 */
export class InvalidMessageError extends Error {
  constructor(detail: string, options?: ErrorOptions) {
    super(`the message store refused the data: ${detail}`, options);
    this.name = 'InvalidMessageError';
  }
}

/**
 * What a search looks for, parsed by the domain (domain/search-query.ts):
 * every word must match; the last one as typed may be a prefix.
 */
export interface SearchTerms {
  /** The query as typed (one line, trimmed): engines with a text parser of their own parse it. */
  text: string;
  /** Its words (runs of letters and digits, lower-cased), for engines that match whole words. */
  words: string[];
  /**
   * The last word, which also matches as the start of a word (the query
   * then matches with it completed), and the text before it. Null when it is
   * shorter than three characters or a space ends the query.
   */
  prefix: { word: string; before: string } | null;
}

/** Where a page of search results ends: results run by rank, then newest first. */
export interface SearchPosition {
  rank: number;
  createdAt: Date;
  id: string;
}

export interface SearchHit {
  message: Message;
  /** The engine's relevance: higher is better, comparable only within one engine. */
  rank: number;
}

/** What a retried send repeats: the sender, the chat and the sender's clientId. */
export interface ClientKey {
  senderId: string;
  chatId: string;
  clientId: string;
}

/** A message to store, before its chat has numbered it: a Message without what the store assigns (seqs, changes). */
export interface NewMessage extends ClientKey, Pick<Message, 'id' | 'kind' | 'subjectId' | 'body' | 'replyToId' | 'createdAt'> {}

/**
 * An edit or a deletion of a stored message. A deletion applies to any
 * message not yet deleted, whenever it comes, and is final. Edits apply in
 * the order they were accepted, `(acceptedAt, changeId)`: one that is not
 * after the message's latest change (a redelivery, or an edit another edit
 * overtook) changes nothing.
 */
export interface MessageChange {
  changeId: string;
  chatId: string;
  messageId: string;
  change: 'edit' | 'delete';
  /** The new body, for an edit. */
  body: string | null;
  acceptedAt: Date;
}

export interface ChangeOutcome {
  /** The message after the change, or as it was when the change did not apply; null when the chat has no such message. */
  message: Message | null;
  /** Whether this call changed it (it then took the chat's next event seq). */
  applied: boolean;
  /**
   * Whether the message's latest change is this one: applied by this call, or
   * by an earlier delivery of the same change (its changeId). A redelivered
   * change is then recorded and published again, as a redelivered send is,
   * since the delivery that applied it may have died before doing either.
   */
  current: boolean;
}

export interface Appended {
  /** Stored by this call, with the seqs it assigned. */
  written: Message[];
  /** Already stored under the id or the client key of one of the new messages. */
  existing: Message[];
  /** Why some were neither written nor found (another writer got there first), for the log. */
  collision?: string;
}

/** Where a walk over every stored body stands: bodies run by chat, then seq. */
export interface BodyPosition {
  chatId: string;
  seq: number;
}

/** A stored body as it is (ciphertext when encryption is on), with what names its row. */
export interface StoredBody extends BodyPosition {
  id: string;
  body: string;
}

/**
 * Where messages live. A message whose id, `(chatId, seq)` or
 * `(senderId, chatId, clientId)` is already stored is never written again.
 * Chats and users live in the relational database: a store there (SQL) checks
 * them with its foreign keys and keeps the chats in its own statements; one
 * elsewhere (MongoDB) is opened behind BookkeepingMessageStore, which does
 * both around its writes, so every store as openMessageStore opens it keeps
 * the same promises and the persister takes one path.
 */
export interface MessageStore {
  /**
   * Stores new messages after the highest stored seq of their chat, each
   * chat's in the given order. Messages already stored (by id or client key)
   * are not written again and come back as `existing`. A message in neither
   * list was not stored: its chat does not exist, or another writer took its
   * seq or stored it meanwhile; a retry settles it. A sender that does not
   * exist fails the call with MissingReferenceError, nothing written. Seqs
   * never leave a hole: a chat's written messages always follow its stored
   * ones directly. The messages' ids and client keys must be distinct within
   * one call. What it writes is recorded in the chats (ChatRepository.recordActivity:
   * lastSeq, last message, activity time, each sender's read position), so
   * the caller records only what it found already stored.
   */
  append(messages: readonly NewMessage[]): Promise<Appended>;
  /**
   * Writes messages with the seqs they carry, in the given order, and stops
   * at the first one that collides with a stored row. Returns how many were
   * written: always a prefix of the input (possibly empty, e.g. when an
   * adapter writes all or nothing), never a row after a collision. For
   * imports and tests; the persister appends.
   */
  insertMany(messages: readonly Message[]): Promise<number>;
  /**
   * Applies an edit or deletion under the chat's event order: an applied
   * change takes the chat's next event seq (the message's changedSeq). An
   * edit applies only to a text message that is not deleted; a deletion
   * empties the body and is final. The chat's lastEventSeq follows it.
   */
  change(change: MessageChange): Promise<ChangeOutcome>;
  /** Messages whose latest change (creation included) came after the event, in event order: what a resume replays. */
  changedAfter(chatId: string, afterEventSeq: number, limit: number): Promise<Message[]>;
  /** Text messages of the chat up to seq (0 when there are none). */
  textSeqAt(chatId: string, seq: number): Promise<number>;
  findByIds(ids: readonly string[]): Promise<Message[]>;
  /** Highest stored seq per chat (0 for none). */
  maxSeqs(chatIds: readonly string[]): Promise<Map<string, number>>;
  /** Always returned oldest → newest. */
  range(chatId: string, range: SeqRange): Promise<Message[]>;
  /**
   * Text messages of the given chats that are not deleted and match every
   * term (their current text), best first, then newest; after `after` when given.
   */
  search(chatIds: readonly string[], terms: SearchTerms, limit: number, after: SearchPosition | null): Promise<SearchHit[]>;
  /**
   * Stored bodies as they are, by chat then seq, after `after` (from the
   * start when null): a walk over the whole store in pages, for rekeying.
   */
  bodies(after: BodyPosition | null, limit: number): Promise<StoredBody[]>;
  /**
   * Replaces a body only if it is still exactly `stored.body` (compare and
   * set): a change made since the read (an edit, a deletion) is never
   * overwritten, and the message's change order, edit time and event seq are
   * left alone. Returns whether it replaced it.
   */
  replaceBody(stored: StoredBody, body: string): Promise<boolean>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const clientKeyOf = (m: ClientKey): string => `${m.senderId}/${m.chatId}/${m.clientId}`;
