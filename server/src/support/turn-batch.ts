import { outsideLogScope } from '../observability/log.js';

/**
 * Work collected during one event loop turn and handled together once the
 * turn is over: sends made in the same turn share one transaction or one
 * Kafka request, frames written to a socket in the same turn leave in one
 * write. While a batch is being handled, what arrives waits and forms the
 * next batch (group commit), so the cost per item falls as load rises.
 *
 * `handle` is given the waiting items and takes out (splices) the ones it
 * handles; it is called again while any are left.
 */
export class TurnBatch<T> {
  private readonly waiting: T[] = [];
  private running: Promise<void> | null = null;

  constructor(private readonly handle: (waiting: T[]) => Promise<void> | void) {}

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
    // Let the turn finish: everything added during it is in the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.waiting.length > 0) {
      const handling = this.handle(this.waiting);
      if (handling) await handling;
    }
    this.running = null;
  }
}
