import { SUBSCRIBER_BACKLOG_MAX } from '../config/tuning.js';
import { unavailable } from '../domain/errors.js';

/**
 * A push-to-pull queue: a producer pushes values as they come, one consumer
 * reads them with `for await` (or next()). It is the receiving end of every
 * bus subscription and of every stream built on one, so it buffers what
 * arrives until the consumer reads it, and ends with an error when the
 * consumer falls too far behind or the producer fails (the bus lost its
 * connection). Clients recover either way with afterSeq, so ending loudly
 * beats delivering with a silent hole.
 *
 * One reader at a time: a read waits for the next value, and the next read is
 * made once it has one (as `for await` and graphql-js do).
 */
export class AsyncQueue<T> {
  private buffer: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private failWaiting: ((error: unknown) => void) | null = null;
  private done = false;
  private error: unknown = null;

  /** `onClose` runs once, however the queue ends: it lets go of the producer's side (a bus subscription, a watch). */
  constructor(private readonly onClose: () => void) {}

  get closed(): boolean {
    return this.done;
  }

  push(value: T): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = null;
      resolve({ value, done: false });
      return;
    }
    if (this.buffer.length >= SUBSCRIBER_BACKLOG_MAX) {
      this.fail(unavailable('Subscriber fell too far behind; resubscribe with afterSeq to catch up'));
      return;
    }
    this.buffer.push(value);
  }

  /** Ends the queue with an error the consumer sees on its next read. */
  fail(error: unknown): void {
    if (this.done) return;
    this.error = error;
    // A pending read must see the error, not the plain end that close() gives it.
    const reject = this.failWaiting;
    this.waiting = this.failWaiting = null;
    this.close();
    reject?.(error);
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    // Closed means ended: unread messages are not handed out afterwards (resume is by seq).
    this.buffer = [];
    this.onClose();
    this.waiting?.({ value: undefined, done: true });
    this.waiting = this.failWaiting = null;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift()!, done: false });
        if (this.error) return Promise.reject(this.error);
        if (this.done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiting = resolve;
          this.failWaiting = reject;
        });
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
