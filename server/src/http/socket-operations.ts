import type { SubscriptionMeter } from '../observability/meters.js';

/*
 * The operations really executing on one graphql-ws socket. graphql-ws's own
 * `ctx.subscriptions` is not a count of them: a `complete` that arrives while
 * an operation is still being set up removes only a placeholder, and the same
 * id may then be subscribed again; once both setups finish, the second
 * overwrites the first's entry, and the first runs on unseen (its events
 * still delivered, never stopped by a `complete`, not even when the socket
 * closes). A client could hold any number of live subscriptions, or queries
 * in flight, under a cap of 3. Here an operation counts from the moment it is
 * accepted until its execution has really ended: a query's result is
 * computed, a subscription's stream is done, failed or returned.
 */

interface Running {
  /** The subscription's stream once set up; absent while setting up, and for a query. */
  stream?: AsyncIterator<unknown>;
}

export class SocketOperations {
  private readonly running = new Map<string, Running>();
  private closed = false;

  /** `subscriptions` counts the streams running here, from set up until ended however. */
  constructor(private readonly subscriptions?: SubscriptionMeter) {}

  get size(): number {
    return this.running.size;
  }

  /** Whether an operation under this id is still executing (even if graphql-ws has forgotten it). */
  has(id: string): boolean {
    return this.running.has(id);
  }

  /** Counts an accepted operation from now on. */
  start(id: string): void {
    this.running.set(id, {});
  }

  /**
   * Called with what the execution returned: a query's result ends it; a
   * subscription's stream is handed back wrapped, so that however it ends the
   * count drops. After the socket closed, a stream that finished setting up
   * is stopped at once.
   */
  settled<T>(id: string, result: T): T | undefined {
    const entry = this.running.get(id);
    if (!isAsyncIterable(result)) {
      this.running.delete(id);
      return undefined;
    }
    const source = result[Symbol.asyncIterator]();
    if (!entry || this.closed) {
      void source.return?.();
      this.running.delete(id);
      return EMPTY as T;
    }
    let ended = false;
    this.subscriptions?.started();
    const end = () => {
      if (ended) return;
      ended = true;
      this.subscriptions?.ended();
      if (this.running.get(id) === entry) this.running.delete(id);
    };
    const wrapped: AsyncGenerator<unknown> = {
      next: async () => {
        try {
          const step = await source.next();
          if (step.done) end();
          return step;
        } catch (error) {
          end();
          throw error;
        }
      },
      return: async (value?: unknown) => {
        end();
        return (await source.return?.(value)) ?? { value, done: true };
      },
      throw: async (error?: unknown) => {
        end();
        if (source.throw) return source.throw(error);
        throw error;
      },
      [Symbol.asyncIterator]: () => wrapped,
      [Symbol.asyncDispose]: async () => void (await wrapped.return(undefined)),
    };
    entry.stream = wrapped;
    return wrapped as T;
  }

  /** The socket closed: stop every stream, including any graphql-ws lost track of. */
  async close(): Promise<void> {
    this.closed = true;
    const streams = [...this.running.values()].flatMap((entry) => (entry.stream ? [entry.stream] : []));
    this.running.clear();
    await Promise.allSettled(streams.map((stream) => stream.return?.()));
  }
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';

/** What a stream that must not run becomes: done at the first step. */
const EMPTY: AsyncGenerator<never> = {
  next: async () => ({ value: undefined, done: true }),
  return: async () => ({ value: undefined, done: true }),
  throw: async (error) => Promise.reject(error),
  [Symbol.asyncIterator]: () => EMPTY,
  [Symbol.asyncDispose]: async () => undefined,
};
