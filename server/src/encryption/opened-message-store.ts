import type { Message } from '../domain/models.js';
import type {
  Appended,
  BodyPosition,
  ChangeOutcome,
  MessageChange,
  MessageStore,
  NewMessage,
  SearchHit,
  SearchPosition,
  SearchTerms,
  SeqRange,
  StoredBody,
} from '../message-store/port.js';
import { bodyUnavailable } from './body-errors.js';
import type { MessageCipher } from './message-cipher.js';

/**
 * The message store as the API sees it with MESSAGE_KEYS: every message
 * read comes out with its body opened (history, findByIds, resume, replies,
 * search hits), and what the API writes itself (insertMany) goes in sealed.
 * A body that cannot be opened fails the read with UNAVAILABLE naming the
 * key (body-errors.ts). The persister and `npm run rekey` use the store
 * underneath: they move ciphertext and never need the text.
 */
export class OpenedMessageStore implements MessageStore {
  constructor(
    private readonly inner: MessageStore,
    private readonly cipher: MessageCipher,
  ) {}

  private opened(message: Message): Message {
    if (message.body === '') return message;
    try {
      return { ...message, body: this.cipher.open(message.body, { chatId: message.chatId, messageId: message.id }) };
    } catch (error) {
      bodyUnavailable(error);
    }
  }

  private sealed<M extends NewMessage | Message>(message: M): M {
    return { ...message, body: this.cipher.seal(message.body, { chatId: message.chatId, messageId: message.id }) };
  }

  async append(messages: readonly NewMessage[]): Promise<Appended> {
    const appended = await this.inner.append(messages.map((m) => this.sealed(m)));
    return { ...appended, written: appended.written.map((m) => this.opened(m)), existing: appended.existing.map((m) => this.opened(m)) };
  }

  insertMany(messages: readonly Message[]): Promise<number> {
    return this.inner.insertMany(messages.map((m) => this.sealed(m)));
  }

  async change(change: MessageChange): Promise<ChangeOutcome> {
    const body = change.body === null ? null : this.cipher.seal(change.body, { chatId: change.chatId, messageId: change.messageId });
    const outcome = await this.inner.change({ ...change, body });
    return { ...outcome, message: outcome.message && this.opened(outcome.message) };
  }

  async changedAfter(chatId: string, afterEventSeq: number, limit: number): Promise<Message[]> {
    return (await this.inner.changedAfter(chatId, afterEventSeq, limit)).map((m) => this.opened(m));
  }

  textSeqAt(chatId: string, seq: number): Promise<number> {
    return this.inner.textSeqAt(chatId, seq);
  }

  async findByIds(ids: readonly string[]): Promise<Message[]> {
    return (await this.inner.findByIds(ids)).map((m) => this.opened(m));
  }

  maxSeqs(chatIds: readonly string[]): Promise<Map<string, number>> {
    return this.inner.maxSeqs(chatIds);
  }

  async range(chatId: string, range: SeqRange): Promise<Message[]> {
    return (await this.inner.range(chatId, range)).map((m) => this.opened(m));
  }

  /** The engines index what they store, i.e. ciphertext: SearchService refuses before it gets here (docs/encryption.md). */
  async search(chatIds: readonly string[], terms: SearchTerms, limit: number, after: SearchPosition | null): Promise<SearchHit[]> {
    return (await this.inner.search(chatIds, terms, limit, after)).map((hit) => ({ ...hit, message: this.opened(hit.message) }));
  }

  /** Stored bodies as they are: for rekeying, which works on ciphertext. */
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
