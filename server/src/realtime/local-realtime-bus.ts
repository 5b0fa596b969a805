import { unavailable } from '../domain/errors.js';
import type { BusSubscription, RealtimeBus } from './port.js';

/** How far a subscriber may fall behind before it is cut off and must resume by seq. */
const MAX_BUFFERED = 10_000;

class LocalSubscription<T> implements BusSubscription<T> {
  private buffer: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private failWaiting: ((error: unknown) => void) | null = null;
  private done = false;
  private error: unknown = null;

  constructor(private readonly onClose: (sub: LocalSubscription<T>) => void) {}

  push(value: T): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = null;
      resolve({ value, done: false });
      return;
    }
    if (this.buffer.length >= MAX_BUFFERED) {
      this.fail(unavailable('Subscriber fell too far behind; resubscribe with afterSeq to catch up'));
      return;
    }
    this.buffer.push(value);
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    // Closed means ended: unread messages are not handed out afterwards (resume is by seq).
    this.buffer = [];
    this.onClose(this);
    this.waiting?.({ value: undefined, done: true });
    this.waiting = this.failWaiting = null;
  }

  private fail(error: unknown): void {
    this.error = error;
    const reject = this.failWaiting;
    this.close();
    reject?.(error);
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

/** The embedded realtime bus: fan-out inside one process. */
export class LocalRealtimeBus implements RealtimeBus {
  private channels = new Map<string, Set<LocalSubscription<unknown>>>();

  async publish(channel: string, payload: unknown): Promise<void> {
    const subs = this.channels.get(channel);
    if (!subs) return;
    for (const sub of subs) sub.push(payload);
  }

  async subscribe<T>(channel: string): Promise<BusSubscription<T>> {
    let subs = this.channels.get(channel);
    if (!subs) this.channels.set(channel, (subs = new Set()));
    const sub = new LocalSubscription<unknown>((closed) => {
      subs.delete(closed);
      if (subs.size === 0 && this.channels.get(channel) === subs) this.channels.delete(channel);
    });
    subs.add(sub);
    return sub as unknown as BusSubscription<T>;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    for (const subs of [...this.channels.values()]) for (const sub of [...subs]) sub.close();
    this.channels.clear();
  }
}
