import { PERSIST_BATCH_MAX } from '../config/tuning.js';
import { DomainError, unavailable } from '../domain/errors.js';
import { envelopeId, type EnvelopeHandler, type EventLog, type MessageEnvelope } from './port.js';
import { TurnBatch } from '../support/turn-batch.js';

interface Pending {
  envelope: MessageEnvelope;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The embedded event log: an append is acknowledged only after the consumer
 * has handled it, so in this mode a returned send is already stored. Appends
 * that arrive while a batch is being handled form the next batch (group commit),
 * which keeps one transaction per batch instead of one per message.
 */
export class LocalEventLog implements EventLog {
  private readonly pending = new TurnBatch<Pending>({
    take: (waiting) => waiting.splice(0, this.maxBatch),
    handle: (batch) => this.handleBatch(batch),
    // The consumer failed the batch as a whole: every sender in it hears why.
    fail: (batch, error) => batch.forEach((p) => p.reject(error)),
  });
  private handler: EnvelopeHandler | null = null;
  private closed = false;

  constructor(private readonly maxBatch = PERSIST_BATCH_MAX) {}

  append(envelope: MessageEnvelope): Promise<void> {
    if (this.closed) return Promise.reject(unavailable('Parley is shutting down; retry the send'));
    if (!this.handler) return Promise.reject(unavailable('The message persister is not running'));
    return new Promise<void>((resolve, reject) => {
      this.pending.add({ envelope, resolve, reject });
    });
  }

  async consume(handler: EnvelopeHandler): Promise<void> {
    this.handler = handler;
  }

  async ping(): Promise<void> {
    if (this.closed) throw unavailable('The event log is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pending.settled();
  }

  private async handleBatch(batch: Pending[]): Promise<void> {
    const rejected = new Map((await this.handler!(batch.map((p) => p.envelope))).map((r) => [envelopeId(r.envelope), r]));
    for (const p of batch) {
      const rejection = rejected.get(envelopeId(p.envelope));
      // Without a dead-letter queue, the sender is the one to hear why.
      if (rejection === undefined) p.resolve();
      else if (rejection.code) p.reject(new DomainError(rejection.code, rejection.reason));
      else p.reject(new DomainError('BAD_USER_INPUT', `The message cannot be stored: ${rejection.reason}`));
    }
  }
}
