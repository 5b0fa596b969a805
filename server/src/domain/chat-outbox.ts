import type { EventLog, SendEnvelope } from '../event-log/port.js';
import type { ChatRepository } from '../relational/ports.js';
import type { Logger } from '../observability/log.js';
import { DomainError } from './errors.js';
import { messageIdFor, newId } from './ids.js';
import type { MessageKind } from './models.js';

/** Outbox rows moved into the event log per pass of the background drain. */
const DRAIN_PAGE = 100;

/** A system message announcing a change to a group: who did it (sender), to whom (subject). */
export function announcement(chatId: string, actorId: string, kind: Exclude<MessageKind, 'TEXT'>, subjectId: string | null, body = ''): SendEnvelope {
  // The clientId names the outbox row too: appending it twice (two drains racing) stores it once.
  const clientId = newId();
  return { type: 'send', messageId: messageIdFor(actorId, chatId, clientId), chatId, senderId: actorId, body, clientId, acceptedAt: new Date().toISOString(), kind, subjectId };
}

/**
 * Membership and title changes commit in PostgreSQL together with the system
 * messages that announce them (the chat_outbox table), so a change is never
 * stored without its announcement nor announced without having happened.
 * The API appends them to the event log right after the commit; a process
 * that died in between leaves rows behind, which the drain appends later (an
 * announcement stored twice is stored once: its clientId is its idempotency
 * key).
 */
export class ChatOutbox {
  private timer: NodeJS.Timeout | null = null;
  /** How old an outbox row must be for the drain to take it as left behind. */
  private leftoverAgeMs = 0;
  private draining: Promise<void> | null = null;

  constructor(
    private readonly chats: Pick<ChatRepository, 'pendingAnnouncements' | 'announced'>,
    private readonly log: Pick<EventLog, 'append'>,
    private readonly logger: Logger,
  ) {}

  /** Appends a chat's pending announcements in order. Throws when the log is down; the drain retries them. */
  async flush(chatId: string): Promise<void> {
    const pending = await this.chats.pendingAnnouncements(chatId, DRAIN_PAGE);
    await this.append(pending);
  }

  /**
   * Drains leftovers now, and then every interval. Only rows an interval old:
   * younger ones are still being appended by the instance that wrote them.
   */
  start(intervalMs: number): void {
    this.leftoverAgeMs = intervalMs;
    void this.drain();
    this.timer = setInterval(() => void this.drain(), intervalMs);
    this.timer.unref();
  }

  /** Appends what any chat has left in the outbox (oldest first). */
  drain(): Promise<void> {
    this.draining ??= (async () => {
      try {
        for (;;) {
          const pending = await this.chats.pendingAnnouncements(null, DRAIN_PAGE, new Date(Date.now() - this.leftoverAgeMs));
          if (pending.length === 0) return;
          await this.append(pending);
          this.logger.info({ count: pending.length }, 'appended system messages left in the outbox');
        }
      } catch (error) {
        this.logger.warn({ err: error }, 'could not drain the chat outbox; retrying every interval');
      } finally {
        this.draining = null;
      }
    })();
    return this.draining;
  }

  private async append(pending: SendEnvelope[]): Promise<void> {
    // One at a time: a chat's announcements keep their order in the log.
    for (const envelope of pending) {
      try {
        await this.log.append(envelope);
      } catch (error) {
        // The in-process log reports a rejection to the appender; Kafka dead-letters it instead. Either way it is done with.
        if (!(error instanceof DomainError && error.extensions.code === 'BAD_USER_INPUT')) throw error;
        this.logger.warn({ chatId: envelope.chatId, err: error }, 'a system message was rejected by the persister');
      }
      await this.chats.announced([envelope.clientId]);
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.draining;
  }
}
