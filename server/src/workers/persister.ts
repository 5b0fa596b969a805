import type { MessageEnvelope, Rejection } from '../event-log/port.js';
import type { Message } from '../domain/models.js';
import type { MessageStore } from '../message-store/port.js';
import type { ChatActivity, ChatRepository, UserRepository } from '../relational/ports.js';
import { chatChannel, type RealtimeBus } from '../realtime/port.js';
import { errorFields, type Logger } from '../support/logger.js';
import { invalidEnvelopeReason } from './envelope-check.js';

const MAX_ATTEMPTS = 5;

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
    try {
      const { valid, rejected } = await this.screen(batch);
      const stored = await this.storeBatch(valid);
      await this.chats.recordActivity(activityOf(stored));
      await this.publish(stored);
      return rejected;
    } catch (error) {
      // After a failure we cannot trust what we think is stored.
      this.lastSeq.clear();
      throw error;
    }
  };

  /** Drops duplicates within the batch and sets aside what can never be stored. */
  private async screen(batch: MessageEnvelope[]): Promise<{ valid: MessageEnvelope[]; rejected: Rejection[] }> {
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
    return { valid, rejected };
  }

  private async storeBatch(envelopes: MessageEnvelope[]): Promise<Message[]> {
    const stored: Message[] = [];
    let todo = envelopes;
    for (let attempt = 1; todo.length > 0; attempt++) {
      if (attempt > MAX_ATTEMPTS) throw new Error(`could not assign seqs for ${todo.length} messages`);
      const existing = await this.store.findByIds(todo.map((e) => e.messageId));
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

  /** Rows come out grouped by chat in seq order, as insertMany's prefix rule needs. */
  private async assignSeqs(envelopes: MessageEnvelope[]): Promise<Message[]> {
    const unknown = [...new Set(envelopes.map((e) => e.chatId).filter((id) => !this.lastSeq.has(id)))];
    if (unknown.length > 0) {
      for (const [chatId, seq] of await this.store.maxSeqs(unknown)) this.lastSeq.set(chatId, seq);
    }
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

  private async publish(messages: Message[]): Promise<void> {
    for (const message of messages) {
      try {
        await this.bus.publish(chatChannel(message.chatId), message);
      } catch (error) {
        // Stored is what counts; subscribers recover missed messages with afterSeq.
        this.logger.warn('realtime publish failed', { chatId: message.chatId, seq: message.seq, ...errorFields(error) });
      }
    }
  }
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
