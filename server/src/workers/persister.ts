import type { MessageEnvelope } from '../event-log/port.js';
import type { Message } from '../domain/models.js';
import type { MessageStore } from '../message-store/port.js';
import type { ChatActivity, ChatRepository } from '../relational/ports.js';
import { chatChannel, type RealtimeBus } from '../realtime/port.js';
import { errorFields, type Logger } from '../support/logger.js';

const MAX_ATTEMPTS = 5;

/**
 * Turns accepted envelopes into stored, ordered messages: assigns each chat's
 * next seq, writes idempotently, folds the batch into the chat summaries, then
 * publishes. Handling the same envelopes again changes nothing but re-publishes,
 * which subscribers drop by seq.
 */
export class Persister {
  /** Highest seq this persister knows is stored per chat; rebuilt from the store on a miss. */
  private lastSeq = new Map<string, number>();

  constructor(
    private readonly store: MessageStore,
    private readonly chats: ChatRepository,
    private readonly bus: RealtimeBus,
    private readonly logger: Logger,
  ) {}

  readonly handle = async (batch: MessageEnvelope[]): Promise<void> => {
    try {
      const stored = await this.storeBatch(batch);
      await this.chats.recordActivity(activityOf(stored));
      await this.publish(stored);
    } catch (error) {
      // After a failure we cannot trust what we think is stored.
      this.lastSeq.clear();
      throw error;
    }
  };

  private async storeBatch(batch: MessageEnvelope[]): Promise<Message[]> {
    const stored: Message[] = [];
    let todo = [...new Map(batch.map((e) => [e.messageId, e])).values()];
    for (let attempt = 1; todo.length > 0; attempt++) {
      if (attempt > MAX_ATTEMPTS) throw new Error(`could not assign seqs for ${todo.length} messages`);
      const existing = await this.store.findByIds(todo.map((e) => e.messageId));
      const existingIds = new Set(existing.map((m) => m.id));
      stored.push(...existing);
      const rows = await this.assignSeqs(todo.filter((e) => !existingIds.has(e.messageId)));
      const inserted = await this.store.insertMany(rows);
      const lost = new Set<string>();
      for (const row of rows) {
        if (inserted.has(row.id)) {
          stored.push(row);
          this.lastSeq.set(row.chatId, Math.max(this.lastSeq.get(row.chatId) ?? 0, row.seq));
        } else {
          // Another writer took this seq (or stored this message) meanwhile: re-read and retry.
          lost.add(row.id);
          this.lastSeq.delete(row.chatId);
        }
      }
      todo = todo.filter((e) => lost.has(e.messageId));
      if (todo.length > 0) this.logger.warn('seq collision, retrying', { count: todo.length, attempt });
    }
    return stored.sort((a, b) => (a.chatId === b.chatId ? a.seq - b.seq : a.chatId < b.chatId ? -1 : 1));
  }

  private async assignSeqs(envelopes: MessageEnvelope[]): Promise<Message[]> {
    const unknown = [...new Set(envelopes.map((e) => e.chatId).filter((id) => !this.lastSeq.has(id)))];
    if (unknown.length > 0) {
      for (const [chatId, seq] of await this.store.maxSeqs(unknown)) this.lastSeq.set(chatId, seq);
    }
    const next = new Map<string, number>();
    return envelopes.map((e) => {
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
