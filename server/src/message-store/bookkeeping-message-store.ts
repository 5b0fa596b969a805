import { activityOf } from '../domain/chat-activity.js';
import type { Message } from '../domain/models.js';
import type { ChatRepository, UserRepository } from '../relational/ports.js';
import {
  MissingReferenceError,
  type Appended,
  type BodyPosition,
  type ChangeOutcome,
  type MessageChange,
  type MessageStore,
  type NewMessage,
  type SearchHit,
  type SearchPosition,
  type SearchTerms,
  type SeqRange,
  type StoredBody,
} from './port.js';

/**
 * A store outside the relational database (MongoDB), made to keep the
 * promises the SQL store keeps with its foreign keys and its append
 * statement: a message of a chat that does not exist is not written, a
 * sender that does not exist fails the call before anything is written, and
 * what is written or changed is then recorded in the chats. Not atomic with
 * the write: a crash in between leaves a chat behind its messages, which the
 * persister's start-up repair (in-process log) or Kafka's redelivery (the
 * persister records what it finds stored) catches up.
 */
export class BookkeepingMessageStore implements MessageStore {
  constructor(
    private readonly inner: MessageStore,
    private readonly chats: ChatRepository,
    private readonly users: UserRepository,
  ) {}

  /** The messages whose chat exists; throws when one of their senders does not. */
  private async referenced<M extends Pick<Message, 'chatId' | 'senderId'>>(messages: readonly M[]): Promise<M[]> {
    if (messages.length === 0) return [];
    const [chats, senders] = await Promise.all([
      this.chats.existingIds([...new Set(messages.map((m) => m.chatId))]),
      this.users.findByIds([...new Set(messages.map((m) => m.senderId))]).then((users) => new Set(users.map((u) => u.id))),
    ]);
    if (messages.some((m) => !senders.has(m.senderId))) throw new MissingReferenceError();
    return messages.filter((m) => chats.has(m.chatId));
  }

  async append(messages: readonly NewMessage[]): Promise<Appended> {
    const appended = await this.inner.append(await this.referenced(messages));
    await this.chats.recordActivity(activityOf(appended.written));
    return appended;
  }

  /** Refuses the whole call, like a foreign key, when a chat or a sender does not exist. */
  async insertMany(messages: readonly Message[]): Promise<number> {
    if ((await this.referenced(messages)).length < messages.length) throw new MissingReferenceError();
    const written = await this.inner.insertMany(messages);
    const events = new Map<string, number>();
    for (const m of messages.slice(0, written)) events.set(m.chatId, Math.max(events.get(m.chatId) ?? 0, m.changedSeq));
    await this.chats.recordEventSeqs([...events].map(([chatId, eventSeq]) => ({ chatId, eventSeq })));
    return written;
  }

  async change(change: MessageChange): Promise<ChangeOutcome> {
    const outcome = await this.inner.change(change);
    // A redelivery of the change that holds records again: the delivery that applied it may have died first.
    if (outcome.current && outcome.message) await this.chats.recordEventSeqs([{ chatId: change.chatId, eventSeq: outcome.message.changedSeq }]);
    return outcome;
  }

  changedAfter(chatId: string, afterEventSeq: number, limit: number): Promise<Message[]> {
    return this.inner.changedAfter(chatId, afterEventSeq, limit);
  }

  textSeqAt(chatId: string, seq: number): Promise<number> {
    return this.inner.textSeqAt(chatId, seq);
  }

  findByIds(ids: readonly string[]): Promise<Message[]> {
    return this.inner.findByIds(ids);
  }

  maxSeqs(chatIds: readonly string[]): Promise<Map<string, number>> {
    return this.inner.maxSeqs(chatIds);
  }

  range(chatId: string, range: SeqRange): Promise<Message[]> {
    return this.inner.range(chatId, range);
  }

  search(chatIds: readonly string[], terms: SearchTerms, limit: number, after: SearchPosition | null): Promise<SearchHit[]> {
    return this.inner.search(chatIds, terms, limit, after);
  }

  bodies(after: BodyPosition | null, limit: number): Promise<StoredBody[]> {
    return this.inner.bodies(after, limit);
  }

  replaceBody(stored: StoredBody, body: string): Promise<boolean> {
    return this.inner.replaceBody(stored, body);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
