import type { Message } from '../domain/models.js';
import type { Channel } from '../realtime/events.js';
import type { BusSubscription, RealtimeBus } from '../realtime/port.js';
import { bodyUnavailable } from './body-errors.js';
import type { MessageCipher } from './message-cipher.js';

type WithMessage = { type: 'messageStored' | 'messageChanged'; message: Message };

const carriesMessage = (payload: unknown): payload is WithMessage => {
  const type = (payload as { type?: unknown } | null)?.type;
  return (type === 'messageStored' || type === 'messageChanged') && typeof (payload as WithMessage).message?.body === 'string';
};

/**
 * The realtime bus as the API subscribes to it with MESSAGE_KEYS. The
 * persister publishes stored messages as they are stored, sealed, so Redis
 * (a network hop, often another machine or a managed service) never sees a
 * body; each API instance opens a message once when it arrives, for every
 * subscriber of the chat on that instance (both buses hand all of them the
 * same payload object, hence the memo), before any stream sees it. A
 * message that cannot be opened ends the subscription with UNAVAILABLE
 * naming the key; the client resumes by seq once the key is there.
 */
export class OpenedRealtimeBus implements RealtimeBus {
  private readonly opened = new WeakMap<object, unknown>();

  constructor(
    private readonly inner: RealtimeBus,
    private readonly cipher: MessageCipher,
  ) {}

  publish<T>(channel: Channel<T>, payload: T): Promise<void> {
    return this.inner.publish(channel, payload);
  }

  async subscribe<T>(channel: Channel<T>): Promise<BusSubscription<T>> {
    const inner = await this.inner.subscribe(channel);
    return {
      close: () => inner.close(),
      [Symbol.asyncIterator]: () => {
        const source = inner[Symbol.asyncIterator]();
        return {
          next: async () => {
            const result = await source.next();
            if (result.done) return result;
            try {
              return { done: false, value: this.open(result.value) };
            } catch (error) {
              inner.close();
              throw error;
            }
          },
          return: async () => {
            inner.close();
            return { done: true, value: undefined };
          },
        };
      },
    };
  }

  private open<T>(payload: T): T {
    if (!carriesMessage(payload)) return payload;
    const known = this.opened.get(payload);
    if (known !== undefined) return known as T;
    const { message } = payload;
    let body: string;
    try {
      body = this.cipher.open(message.body, { chatId: message.chatId, messageId: message.id });
    } catch (error) {
      bodyUnavailable(error);
    }
    const opened = { ...payload, message: { ...message, body } } as T;
    this.opened.set(payload, opened);
    return opened;
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
