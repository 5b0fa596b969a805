import type { MessageEnvelope, Rejection } from '../event-log/port.js';
import type { Message } from '../domain/models.js';
import { MissingReferenceError, type MessageStore } from '../message-store/port.js';
import type { ChatActivity, ChatRepository, UserRepository } from '../relational/ports.js';
import { chatChannel, type RealtimeBus } from '../realtime/port.js';
import { errorFields, type Logger } from '../support/logger.js';
import { invalidEnvelopeReason } from './envelope-check.js';

const MAX_ATTEMPTS = 5;
/** Chats whose last seq is remembered; past it the map starts over (a miss costs one read). */
const LAST_SEQ_CHATS = 50_000;

const byChatThenSeq = (a: Message, b: Message): number =>
  a.chatId === b.chatId ? a.seq - b.seq : a.chatId < b.chatId ? -1 : 1;

/**
 * Turns accepted envelopes into stored, ordered messages: assigns each chat's
 * next seq, writes idempotently, folds the batch into the chat summaries, then
 * publishes. Handling the same envelopes again changes nothing but re-publishes,
 * which subscribers drop by seq. Envelopes that can never be stored are
 * returned as rejections instead of failing the batch.
 */
export class Persister {
  /** Highest seq this persister knows is stored per chat; rebuilt from the store on a miss. */
  private lastSeq = new Map<string, number>();

  constructor(
    private readonly store: MessageStore,
    private readonly chats: ChatRepository,
    private readonly users: UserRepository,
    private readonly bus: RealtimeBus,
    private readonly logger: Logger,
  ) {}

  readonly handle = async (batch: MessageEnvelope[]): Promise<Rejection[]> => {
    if (this.lastSeq.size > LAST_SEQ_CHATS) this.lastSeq.clear();
    try {
      const { candidates, rejected } = wellFormed(batch);
      let stored = await this.storeAtOnce(candidates);
      if (!stored) {
        // Ids only of well-formed envelopes: a malformed one would fail the lookup, and the batch with it.
        const [valid, known] = await Promise.all([
          this.screen(candidates, rejected),
          this.store.findByIds(candidates.map((e) => e.messageId)),
        ]);
        stored = await this.storeBatch(valid, known);
      }
      await this.chats.recordActivity(activityOf(stored));
      await this.publish(stored);
      return rejected;
    } catch (error) {
      // After a failure we cannot trust what we think is stored.
      this.lastSeq.clear();
      throw error;
    }
  };

  /**
   * The common case in two statements: new messages to chats this persister
   * has written to, so their seqs follow from `lastSeq`, written in one
   * insert. Null (nothing or a prefix written, which the careful path finds
   * by id) when anything is off: a chat it has not seen, an id already
   * stored, a seq another writer took, a chat or sender that does not exist.
   * Only for a store that checks references, since this skips `screen`.
   */
  private async storeAtOnce(envelopes: MessageEnvelope[]): Promise<Message[] | null> {
    if (!this.store.checksReferences || envelopes.length === 0) return null;
    if (envelopes.some((e) => !this.lastSeq.has(e.chatId))) return null;
    const rows = this.numbered(envelopes);
    const written = await this.store.insertMany(rows).catch((error: unknown) => {
      if (error instanceof MissingReferenceError) return 0;
      throw error;
    });
    if (written === rows.length) {
      for (const row of rows) this.lastSeq.set(row.chatId, row.seq);
      return rows;
    }
    for (const row of rows) this.lastSeq.delete(row.chatId);
    return null;
  }

  /** Sets aside envelopes whose chat or sender does not exist, adding them to `rejected`. */
  private async screen(candidates: MessageEnvelope[], rejected: Rejection[]): Promise<MessageEnvelope[]> {
    const [chats, senders] = await Promise.all([
      this.chats.existingIds([...new Set(candidates.map((e) => e.chatId))]),
      this.users.findByIds([...new Set(candidates.map((e) => e.senderId))]).then((users) => new Set(users.map((u) => u.id))),
    ]);
    const valid: MessageEnvelope[] = [];
    for (const envelope of candidates) {
      if (!chats.has(envelope.chatId)) rejected.push({ envelope, reason: `chat ${envelope.chatId} does not exist` });
      else if (!senders.has(envelope.senderId)) rejected.push({ envelope, reason: `sender ${envelope.senderId} does not exist` });
      else valid.push(envelope);
    }
    return valid;
  }

  /** `known`: what the store held of these ids when screening began, so the first attempt need not ask again. */
  private async storeBatch(envelopes: MessageEnvelope[], known: Message[]): Promise<Message[]> {
    const stored: Message[] = [];
    let todo = envelopes;
    for (let attempt = 1; todo.length > 0; attempt++) {
      if (attempt > MAX_ATTEMPTS) throw new Error(`could not assign seqs for ${todo.length} messages`);
      const ids = new Set(todo.map((e) => e.messageId));
      const existing = attempt === 1 ? known.filter((m) => ids.has(m.id)) : await this.store.findByIds([...ids]);
      const existingIds = new Set(existing.map((m) => m.id));
      stored.push(...existing);
      const rows = await this.assignSeqs(todo.filter((e) => !existingIds.has(e.messageId)));
      const written = await this.store.insertMany(rows);
      for (const row of rows.slice(0, written)) {
        stored.push(row);
        this.lastSeq.set(row.chatId, row.seq);
      }
      // Another writer took a seq, or stored one of these, meanwhile: re-read and retry the rest.
      const rest = new Set(rows.slice(written).map((r) => r.id));
      for (const row of rows.slice(written)) this.lastSeq.delete(row.chatId);
      todo = todo.filter((e) => rest.has(e.messageId));
      if (todo.length > 0) this.logger.warn('message store collision, retrying', { count: todo.length, attempt });
    }
    return stored.sort(byChatThenSeq);
  }

  private async assignSeqs(envelopes: MessageEnvelope[]): Promise<Message[]> {
    const unknown = [...new Set(envelopes.map((e) => e.chatId).filter((id) => !this.lastSeq.has(id)))];
    if (unknown.length > 0) {
      for (const [chatId, seq] of await this.store.maxSeqs(unknown)) this.lastSeq.set(chatId, seq);
    }
    return this.numbered(envelopes);
  }

  /** Each chat's next seqs after `lastSeq`; rows come out grouped by chat in seq order, as insertMany's prefix rule needs. */
  private numbered(envelopes: MessageEnvelope[]): Message[] {
    const next = new Map<string, number>();
    const rows = envelopes.map((e) => {
      const seq = (next.get(e.chatId) ?? this.lastSeq.get(e.chatId)!) + 1;
      next.set(e.chatId, seq);
      return {
        id: e.messageId,
        chatId: e.chatId,
        seq,
        senderId: e.senderId,
        body: e.body,
        clientId: e.clientId,
        createdAt: new Date(e.acceptedAt),
      };
    });
    return rows.sort(byChatThenSeq);
  }

  /**
   * All at once: each publish is issued before the next, in seq order, and
   * both buses keep that order per channel (the local one pushes at once,
   * Redis runs one connection's commands in order).
   */
  private async publish(messages: Message[]): Promise<void> {
    await Promise.all(messages.map((message) => this.publishOne(message)));
  }

  private async publishOne(message: Message): Promise<void> {
    try {
      await this.bus.publish(chatChannel(message.chatId), message);
    } catch (error) {
      // Stored is what counts; subscribers recover missed messages with afterSeq.
      this.logger.warn('realtime publish failed', { chatId: message.chatId, seq: message.seq, ...errorFields(error) });
    }
  }
}

/** Sets aside what can never be stored, by the envelope's own fields, and drops duplicates within the batch. */
function wellFormed(batch: MessageEnvelope[]): { candidates: MessageEnvelope[]; rejected: Rejection[] } {
  const rejected: Rejection[] = [];
  const candidates: MessageEnvelope[] = [];
  const seen = new Set<string>();
  for (const envelope of batch) {
    const reason = invalidEnvelopeReason(envelope);
    if (reason) rejected.push({ envelope, reason });
    else if (!seen.has(envelope.messageId)) {
      seen.add(envelope.messageId);
      candidates.push(envelope);
    }
  }
  return { candidates, rejected };
}

function activityOf(messages: Message[]): ChatActivity[] {
  const byChat = new Map<string, ChatActivity>();
  for (const m of messages) {
    const a = byChat.get(m.chatId) ?? { chatId: m.chatId, lastSeq: 0, lastMessageId: m.id, at: m.createdAt, senderSeqs: [] };
    if (m.seq > a.lastSeq) Object.assign(a, { lastSeq: m.seq, lastMessageId: m.id, at: m.createdAt });
    const sender = a.senderSeqs.find((s) => s.senderId === m.senderId);
    if (sender) sender.seq = Math.max(sender.seq, m.seq);
    else a.senderSeqs.push({ senderId: m.senderId, seq: m.seq });
    byChat.set(m.chatId, a);
  }
  return [...byChat.values()];
}
