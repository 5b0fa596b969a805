import { backoffDelay, type BackoffOptions } from './backoff.js';
import { fromGraphQLErrors, ParleyError, toParleyError } from './errors.js';
import { MessageAddedDocument, type MessageAddedSubscription } from './generated/graphql.js';
import { operationOf } from './http.js';
import type { ParleySocket } from './socket.js';
import type { Message, RetryEvent } from './types.js';

/** Live messages of one chat, in seq order, each exactly once, across reconnects. */
export interface MessageStream extends AsyncIterableIterator<Message> {
  /**
   * The seq of the newest message handed out (or the starting point before
   * the first): keep it to resume later with `afterSeq`.
   */
  readonly lastSeq: number | null;
  /**
   * Resolves once the starting point is fixed: every message sent after that
   * is delivered. With `afterSeq` that is at once; without, after one request
   * for the chat's current end. Also resolves if the stream ends first.
   */
  readonly ready: Promise<void>;
  /** Unsubscribes; a pending `next()` resolves as done. Breaking out of `for await` does the same. */
  close(): void;
}

export interface ReconnectOptions extends BackoffOptions {
  /** Consecutive failed attempts before the stream gives up with the last error. */
  attempts: number;
}

export interface StreamDeps {
  socket: ParleySocket;
  /** The chat's current lastSeq: where a stream without `afterSeq` starts. */
  lastSeqOf: (chatId: string) => Promise<number>;
  reconnect: ReconnectOptions;
  onRetry?: (event: RetryEvent) => void;
  /** Called once when the stream is over (closed or failed). */
  onEnd?: () => void;
}

export interface StreamOptions {
  afterSeq?: number | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * An attempt that stayed up this long was a working subscription, so the
 * next failure starts the backoff over (a failure soon after connecting
 * keeps growing it, e.g. while Redis is down and every subscribe fails).
 */
const STABLE_AFTER_MS = 10_000;

/**
 * One messageAdded subscription that survives disconnects. Each attempt
 * subscribes with `afterSeq` = the last seq received, so the server replays
 * exactly what was missed; anything at or below it is dropped anyway, so an
 * overlapping replay can never surface as a duplicate.
 */
class ResumableMessageStream implements MessageStream {
  private readonly buffer: Message[] = [];
  private waiter: { resolve: (result: IteratorResult<Message>) => void; reject: (error: unknown) => void } | null = null;
  private failure: ParleyError | null = null;
  private done = false;
  /** Newest seq received: where a resubscribe resumes (buffered messages are still to come). */
  private received: number | null;
  /** Newest seq handed to the caller: what `lastSeq` reports, so a later stream misses nothing. */
  private delivered: number | null;
  /** Identifies the current attempt; callbacks of an older one are ignored. */
  private attemptId = 0;
  /** Consecutive failed attempts, for the backoff. */
  private failures = 0;
  private unsubscribe: (() => void) | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly signal: AbortSignal | undefined;
  private markReady!: () => void;
  readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(
    private readonly deps: StreamDeps,
    private readonly chatId: string,
    { afterSeq, signal }: StreamOptions,
  ) {
    this.received = this.delivered = afterSeq ?? null;
    if (this.received !== null) this.markReady();
    this.signal = signal;
    if (signal?.aborted) {
      this.done = true;
      this.markReady();
      return;
    }
    signal?.addEventListener('abort', this.close, { once: true });
    void this.attempt();
  }

  get lastSeq(): number | null {
    return this.delivered;
  }

  private async attempt(): Promise<void> {
    const id = ++this.attemptId;
    const startedAt = Date.now();
    const generation = this.deps.socket.generation;
    const failed = (error: unknown) => this.failed(id, toParleyError(error), startedAt, generation);
    try {
      // Without afterSeq the stream starts at the chat's current end, and has a seq to resume
      // from even if the socket drops before the first message arrives.
      if (this.received === null) {
        this.received = this.delivered = await this.deps.lastSeqOf(this.chatId);
        this.markReady();
      }
    } catch (error) {
      return failed(error);
    }
    if (this.done || id !== this.attemptId) return;

    const { query, operationName } = operationOf(MessageAddedDocument);
    let unsubscribe: () => void;
    try {
      unsubscribe = this.subscribeOnce(id, query, operationName, failed);
    } catch (error) {
      // Only a client closed under the stream gets here; nothing to retry.
      return this.fail(toParleyError(error));
    }
    if (id === this.attemptId) this.unsubscribe = unsubscribe;
    else unsubscribe();
  }

  private subscribeOnce(id: number, query: string, operationName: string | undefined, failed: (error: unknown) => void): () => void {
    return this.deps.socket.subscribe(
      { query, operationName, variables: { chatId: this.chatId, afterSeq: this.received } },
      {
        next: (result) => {
          if (id !== this.attemptId) return;
          if (result.errors?.length) return failed(fromGraphQLErrors(result.errors));
          const message = (result.data as MessageAddedSubscription | null | undefined)?.messageAdded;
          if (message) this.deliver(message);
        },
        error: (error) => {
          if (id === this.attemptId) failed(error);
        },
        // messageAdded never ends by itself: a completion means the server dropped it (e.g. shutting down).
        complete: () => {
          if (id === this.attemptId) failed(new ParleyError('UNAVAILABLE', 'The server ended the subscription'));
        },
      },
    );
  }

  private deliver(message: Message): void {
    if (this.received !== null && message.seq <= this.received) return;
    this.received = message.seq;
    this.failures = 0;
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = null;
      this.delivered = message.seq;
      resolve({ value: message, done: false });
    } else {
      this.buffer.push(message);
    }
  }

  private failed(id: number, error: ParleyError, startedAt: number, generation: number): void {
    if (this.done || id !== this.attemptId) return;
    this.attemptId++;
    this.release();
    if (!error.retryable) return this.fail(error);

    let delayMs = 0;
    // A socket the client dropped on purpose (new token) is not a failure: reconnect now.
    if (this.deps.socket.generation === generation) {
      if (Date.now() - startedAt >= STABLE_AFTER_MS) this.failures = 0;
      if (this.failures >= this.deps.reconnect.attempts) return this.fail(error);
      delayMs = backoffDelay(this.failures++, this.deps.reconnect);
    }
    this.deps.onRetry?.({
      operation: 'messageAdded',
      chatId: this.chatId,
      attempt: this.failures,
      delayMs,
      error,
      afterSeq: this.received,
    });
    this.retryTimer = setTimeout(() => void this.attempt(), delayMs);
  }

  private release(): void {
    clearTimeout(this.retryTimer);
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    unsubscribe?.();
  }

  /** Marks the stream over and lets go of everything it holds. */
  private end(): void {
    this.done = true;
    this.attemptId++;
    this.release();
    this.signal?.removeEventListener('abort', this.close);
    this.markReady();
    this.deps.onEnd?.();
  }

  private fail(error: ParleyError): void {
    this.end();
    if (this.waiter) {
      const { reject } = this.waiter;
      this.waiter = null;
      reject(error);
    } else {
      this.failure = error;
    }
  }

  // An arrow property: it is also the abort listener.
  readonly close = (): void => {
    if (this.done) return;
    this.end();
    this.buffer.length = 0;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.resolve({ value: undefined, done: true });
  };

  next(): Promise<IteratorResult<Message>> {
    const message = this.buffer.shift();
    if (message) {
      this.delivered = message.seq;
      return Promise.resolve({ value: message, done: false });
    }
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      return Promise.reject(failure);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<Message>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

export const messageStream = (deps: StreamDeps, chatId: string, options: StreamOptions): MessageStream =>
  new ResumableMessageStream(deps, chatId, options);
