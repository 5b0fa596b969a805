import { isChange, type EnvelopeHandler, type EventLog, type MessageEnvelope } from '../event-log/port.js';
import type { MessageCipher } from './message-cipher.js';

/**
 * The event log as the API appends to it with MESSAGE_KEYS: every body is
 * sealed on its way in (sends, system messages from the chat outbox, edits),
 * bound to its message id and chat, so the log, the persister, the store and
 * the bus only ever carry ciphertext. Consuming is untouched: the persister
 * stores bodies as they come.
 */
export class SealingEventLog implements EventLog {
  constructor(
    private readonly inner: EventLog,
    private readonly cipher: MessageCipher,
  ) {}

  append(envelope: MessageEnvelope): Promise<void> {
    return this.inner.append(this.sealed(envelope));
  }

  private sealed(envelope: MessageEnvelope): MessageEnvelope {
    const address = { chatId: envelope.chatId, messageId: envelope.messageId };
    if (isChange(envelope)) return envelope.body === null ? envelope : { ...envelope, body: this.cipher.seal(envelope.body, address) };
    return { ...envelope, body: this.cipher.seal(envelope.body, address) };
  }

  consume(handler: EnvelopeHandler): Promise<void> {
    return this.inner.consume(handler);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
