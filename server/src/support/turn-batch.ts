import { outsideLogScope } from '../observability/log.js';

export interface TurnBatchHandlers<T> {
  /** Handles one batch; each item is settled by it, or by `fail` when it throws. */
  handle: (batch: T[]) => Promise<void> | void;
  /** Settles a batch whose `handle` threw, so its items' owners hear of it instead of waiting forever. */
  fail: (batch: T[], error: unknown) => void;
  /** Takes the next batch out of the waiting items (by default all of them); called again while any are left. */
  take?: (waiting: T[]) => T[];
}

/**
 * Work collected during one event loop turn and handled together once the
 * turn is over: sends made in the same turn share one transaction or one
 * Kafka request, frames written to a socket in the same turn leave in one
 * write. While a batch is being handled, what arrives waits and forms the
 * next batch (group commit), so the cost per item falls as load rises.
 */
export class TurnBatch<T> {
  private readonly waiting: T[] = [];
  private running: Promise<void> | null = null;
  private readonly take: (waiting: T[]) => T[];

  constructor(private readonly handlers: TurnBatchHandlers<T>) {
    this.take = handlers.take ?? ((waiting) => waiting.splice(0));
  }

  add(item: T): void {
    this.waiting.push(item);
    // A batch carries many requests' work: its log lines are none of theirs.
    this.running ??= outsideLogScope(() => this.run());
  }

  /** Takes an item out before it is handled; false when it is no longer waiting. */
  remove(item: T): boolean {
    const index = this.waiting.indexOf(item);
    if (index < 0) return false;
    this.waiting.splice(index, 1);
    return true;
  }

  /** Resolves once nothing added so far is waiting or being handled. */
  async settled(): Promise<void> {
    await this.running;
  }

  private async run(): Promise<void> {
    try {
      // Let the turn finish: everything added during it is in the first batch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.waiting.length > 0) await this.handleNext();
    } finally {
      this.running = null;
    }
  }

  private async handleNext(): Promise<void> {
    let batch: T[] = [];
    try {
      const before = this.waiting.length;
      batch = this.take(this.waiting);
      // Taking nothing out of the waiting items would loop forever: the first one goes instead.
      if (this.waiting.length === before) batch = this.waiting.splice(0, 1);
      const handling = this.handlers.handle(batch);
      // A synchronous handler (uncorking sockets) finishes in this very tick.
      if (handling) await handling;
    } catch (error) {
      // A throwing handler (or take) fails its own batch, never the batches after it nor the loop.
      if (batch.length === 0) batch = this.waiting.splice(0);
      try {
        this.handlers.fail(batch, error);
      } catch {
        // `fail` only settles promises; one that throws must not stop the items behind it.
      }
    }
  }
}
