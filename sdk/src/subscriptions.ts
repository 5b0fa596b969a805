import type { DocumentNode } from 'graphql';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { operationOf } from './documents.js';
import { fromGraphQLErrors, ParleyError, toParleyError } from './errors.js';
import {
  ChatEventsDocument,
  ChatUpdatedDocument,
  MessageAddedDocument,
  PresenceChangedDocument,
  type ChatEventsSubscription,
  type ChatUpdatedSubscription,
  type MessageAddedSubscription,
  type PresenceChangedSubscription,
} from './generated/graphql.js';
import type { ParleySocket } from './socket.js';
import type { Chat, ChatEvent, Contact, Message, RetryEvent } from './types.js';

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

/** Every durable change to one chat, in the chat's order, across reconnects. */
export interface ChatEventStream extends AsyncIterableIterator<ChatEvent> {
  /**
   * The cursor of the newest event handed out (or the starting point before
   * the first): keep it to resume later with `after`.
   */
  readonly cursor: string | null;
  /** Resolves once the starting point is fixed (at once with `after`); also if the stream ends first. */
  readonly ready: Promise<void>;
  /** Unsubscribes; a pending `next()` resolves as done. Breaking out of `for await` does the same. */
  close(): void;
}

export interface ChatEventStreamDeps extends SubscriptionDeps {
  /** The chat's current eventCursor: where a stream without `after` starts. */
  eventCursorOf: (chatId: string) => Promise<string>;
}

export interface ChatEventOptions {
  /** A cursor from an earlier stream, or the chat's eventCursor read with its history. */
  after?: string | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * The viewer's chats as they change, each event the whole chat as the viewer
 * sees it. Unlike a MessageStream it cannot replay: events while the stream
 * was reconnecting are lost, which is what `onReconnect` is for.
 */
export interface ChatUpdateStream extends AsyncIterableIterator<Chat> {
  /** Unsubscribes; a pending `next()` resolves as done. Breaking out of `for await` does the same. */
  close(): void;
}

/**
 * The viewer's contacts as their presence changes, each item the user with
 * their presence as it now is. Parley sends changes only; with `resync`, the
 * stream also hands out the presence it reads after every (re)subscribe.
 */
export interface PresenceStream extends AsyncIterableIterator<Contact> {
  /**
   * Runs `resync` now, handing out its answer as after a reconnect: for when
   * what you show changes (another chat opened), so that a change crossing
   * the read cannot leave a user stale. Its failure rejects this promise and
   * leaves the stream as it is. Without `resync`, resolves at once.
   */
  resync(): Promise<void>;
  /** Unsubscribes; a pending `next()` resolves as done. Breaking out of `for await` does the same. */
  close(): void;
}

export interface PresenceOptions {
  /** Aborting it ends the stream, as close() does. */
  signal?: AbortSignal | undefined;
  /**
   * Reads the presence you show, e.g. `() => parley.presence(chatId)`. Called
   * once the socket is connected and the subscribe is sent, after the first
   * subscribe and after every resubscribe. The stream hands out what it
   * returns, then the changes that arrived while it ran (which may be newer
   * than the read): applying every item in order leaves each user as they now
   * are, with no separate first read and nothing lost to a disconnect. A throw
   * fails the attempt as a dropped connection does: retried with the stream's
   * backoff when retryable (a ParleyError NETWORK or UNAVAILABLE, or anything
   * that is no ParleyError), otherwise thrown from the loop.
   */
  resync?: (() => Promise<readonly Contact[]>) | undefined;
}

export interface ReconnectOptions extends BackoffOptions {
  /** Consecutive failed attempts before the stream gives up with the last error. */
  attempts: number;
}

export interface SubscriptionDeps {
  socket: ParleySocket;
  reconnect: ReconnectOptions;
  onRetry?: (event: RetryEvent) => void;
  /** Called once when the stream is over (closed or failed). */
  onEnd?: () => void;
}

export interface StreamDeps extends SubscriptionDeps {
  /** The chat's current lastSeq: where a stream without `afterSeq` starts. */
  lastSeqOf: (chatId: string) => Promise<number>;
}

export interface StreamOptions {
  afterSeq?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface ChatUpdateOptions {
  /** Aborting it ends the stream, as close() does. */
  signal?: AbortSignal | undefined;
  /**
   * Called after every resubscribe (a dropped connection, a server restart,
   * a new token), once the socket is connected again and the subscribe is
   * sent: events may have been missed meanwhile, so query `chats()` again.
   * Not called for the first subscribe. Whatever it throws is not caught.
   */
  onReconnect?: (() => void) | undefined;
}

/**
 * An attempt that stayed up this long was a working subscription, so the
 * next failure starts the backoff over (a failure soon after connecting
 * keeps growing it, e.g. while Redis is down and every subscribe fails).
 */
const STABLE_AFTER_MS = 10_000;

/**
 * One subscription that survives disconnects: on a retryable failure (NETWORK,
 * UNAVAILABLE, the server completing it) it subscribes again after a backoff,
 * at once when the client dropped the socket on purpose (a new token); any
 * other error ends it and is thrown from the loop. Subclasses say what to
 * subscribe with and what to let through.
 */
abstract class ResumableStream<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private waiter: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | null = null;
  private failure: ParleyError | null = null;
  private done = false;
  /** Identifies the current attempt; callbacks of an older one are ignored. */
  private attemptId = 0;
  /** Consecutive failed attempts, for the backoff. */
  private failures = 0;
  /** Subscribes sent so far: every one after the first is a resubscribe. */
  private subscribes = 0;
  private unsubscribe: (() => void) | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  protected constructor(
    protected readonly deps: SubscriptionDeps,
    private readonly operation: 'messageAdded' | 'chatUpdated' | 'chatEvents' | 'presenceChanged',
    private readonly document: DocumentNode,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** What goes into the subscribe of the next attempt. */
  protected abstract variables(): Record<string, unknown>;
  /** The item of one `next` result, if any. */
  protected abstract pick(data: unknown): T | null | undefined;
  /** Runs before each attempt's subscribe; a throw fails the attempt. */
  protected prepare(): Promise<void> | void {}
  /** Whether an item is new; false drops it (a replay's overlap). */
  protected accept(_item: T): boolean {
    return true;
  }
  /** An item reached the caller. */
  protected handedOut(_item: T): void {}
  /** Told when the stream is over, whether closed, failed or aborted before it started. */
  protected stopped(): void {}
  /** What a RetryEvent says beyond the attempt and the error. */
  protected retryDetails(): Partial<RetryEvent> {
    return {};
  }
  /**
   * Runs once a subscribe is on a connected socket: after every resubscribe,
   * and after the first subscribe too when `first` is set. A promise it
   * returns that rejects fails the attempt; a synchronous throw is not caught.
   */
  protected whenSubscribed: { run: () => Promise<void> | void; first: boolean } | undefined;

  /** Starts the first attempt; called by the subclass once its own fields are set. */
  protected start(): void {
    if (this.signal?.aborted) {
      this.done = true;
      this.stopped();
      return;
    }
    this.signal?.addEventListener('abort', this.close, { once: true });
    void this.attempt();
  }

  private async attempt(): Promise<void> {
    const id = ++this.attemptId;
    const startedAt = Date.now();
    const generation = this.deps.socket.generation;
    const failed = (error: unknown) => this.failed(id, toParleyError(error), startedAt, generation);
    try {
      const preparing = this.prepare();
      if (preparing) await preparing;
    } catch (error) {
      return failed(error);
    }
    if (this.done || id !== this.attemptId) return;

    let unsubscribe: () => void;
    try {
      unsubscribe = this.subscribeOnce(id, failed);
    } catch (error) {
      // Only a client closed under the stream gets here; nothing to retry.
      return this.fail(toParleyError(error));
    }
    if (id === this.attemptId) this.unsubscribe = unsubscribe;
    else unsubscribe();
  }

  private subscribeOnce(id: number, failed: (error: unknown) => void): () => void {
    const { query, operationName } = operationOf(this.document);
    const unsubscribe = this.deps.socket.subscribe(
      { query, operationName, variables: this.variables() },
      {
        next: (result) => {
          if (id !== this.attemptId) return;
          if (result.errors?.length) return failed(fromGraphQLErrors(result.errors));
          const item = this.pick(result.data);
          if (item) this.deliver(item);
        },
        error: (error) => {
          if (id === this.attemptId) failed(error);
        },
        // These subscriptions never end by themselves: a completion means the server dropped it (e.g. shutting down).
        complete: () => {
          if (id === this.attemptId) failed(new ParleyError('UNAVAILABLE', 'The server ended the subscription'));
        },
      },
    );
    const hook = this.whenSubscribed;
    const first = this.subscribes++ === 0;
    if (!hook || (first && !hook.first)) return unsubscribe;
    const cancel = this.deps.socket.afterConnected(() => {
      if (id !== this.attemptId || this.done) return;
      const running = hook.run();
      if (running) running.catch(failed);
    });
    return () => {
      cancel();
      unsubscribe();
    };
  }

  protected deliver(item: T): void {
    // An item a subclass hands out late (a resync that finished after close) must not outlive the stream.
    if (this.done || !this.accept(item)) return;
    this.failures = 0;
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = null;
      this.handedOut(item);
      resolve({ value: item, done: false });
    } else {
      this.buffer.push(item);
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
    this.deps.onRetry?.({ operation: this.operation, ...this.retryDetails(), attempt: this.failures, delayMs, error });
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
    this.stopped();
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

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) {
      const item = this.buffer.shift()!;
      this.handedOut(item);
      return Promise.resolve({ value: item, done: false });
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

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * A subscription of one chat that resumes from a position: each attempt
 * subscribes from the position of the last item received, so the server
 * sends exactly what was missed. Without a starting position, the stream
 * first asks where the chat stands, and so has a position to resume from even
 * if the socket drops before the first item arrives.
 */
abstract class PositionedStream<T, P> extends ResumableStream<T> {
  /** Newest position received: where a resubscribe resumes (buffered items are still to come). */
  protected received: P | null;
  /** Newest position handed to the caller, so a later stream started from it misses nothing. */
  protected delivered: P | null;
  private markReady!: () => void;
  readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));

  protected constructor(
    deps: SubscriptionDeps,
    operation: 'messageAdded' | 'chatEvents',
    document: DocumentNode,
    protected readonly chatId: string,
    start: P | undefined,
    private readonly positionNow: (chatId: string) => Promise<P>,
    signal: AbortSignal | undefined,
  ) {
    super(deps, operation, document, signal);
    this.received = this.delivered = start ?? null;
    if (this.received !== null) this.markReady();
    this.start();
  }

  protected abstract positionOf(item: T): P;

  protected override prepare(): Promise<void> | void {
    if (this.received !== null) return;
    return this.positionNow(this.chatId).then((position) => {
      this.received = this.delivered = position;
      this.markReady();
    });
  }

  protected override accept(item: T): boolean {
    this.received = this.positionOf(item);
    return true;
  }

  protected override handedOut(item: T): void {
    this.delivered = this.positionOf(item);
  }

  protected override stopped(): void {
    this.markReady();
  }
}

/** messageAdded by seq: anything at or below the last seq received is dropped, so an overlapping replay never shows twice. */
class ResumableMessageStream extends PositionedStream<Message, number> implements MessageStream {
  constructor(deps: StreamDeps, chatId: string, { afterSeq, signal }: StreamOptions, document: DocumentNode) {
    super(deps, 'messageAdded', document, chatId, afterSeq, deps.lastSeqOf, signal);
  }

  get lastSeq(): number | null {
    return this.delivered;
  }

  protected positionOf(message: Message): number {
    return message.seq;
  }

  protected variables(): Record<string, unknown> {
    return { chatId: this.chatId, afterSeq: this.received };
  }

  protected pick(data: unknown): Message | null | undefined {
    return (data as MessageAddedSubscription | null | undefined)?.messageAdded;
  }

  protected override accept(message: Message): boolean {
    if (this.received !== null && message.seq <= this.received) return false;
    return super.accept(message);
  }

  protected override retryDetails(): Partial<RetryEvent> {
    return { chatId: this.chatId, afterSeq: this.received };
  }
}

/** chatEvents by cursor: the server sends what changed since (a message changed several times comes once, as it is now). */
class ResumableChatEventStream extends PositionedStream<ChatEvent, string> implements ChatEventStream {
  constructor(deps: ChatEventStreamDeps, chatId: string, { after, signal }: ChatEventOptions, document: DocumentNode) {
    super(deps, 'chatEvents', document, chatId, after, deps.eventCursorOf, signal);
  }

  get cursor(): string | null {
    return this.delivered;
  }

  protected positionOf(event: ChatEvent): string {
    return event.cursor;
  }

  protected variables(): Record<string, unknown> {
    return { chatId: this.chatId, after: this.received };
  }

  protected pick(data: unknown): ChatEvent | null | undefined {
    return (data as ChatEventsSubscription | null | undefined)?.chatEvents;
  }

  protected override retryDetails(): Partial<RetryEvent> {
    return { chatId: this.chatId, after: this.received };
  }
}

/** One chatUpdated subscription that survives disconnects, telling `onReconnect` after each resubscribe. */
class ResumableChatStream extends ResumableStream<Chat> implements ChatUpdateStream {
  constructor(deps: SubscriptionDeps, { signal, onReconnect }: ChatUpdateOptions, document: DocumentNode) {
    super(deps, 'chatUpdated', document, signal);
    // Not `run: onReconnect`: a promise it returns is the caller's, and must not fail the attempt.
    if (onReconnect) this.whenSubscribed = { run: () => void onReconnect(), first: false };
    this.start();
  }

  protected variables(): Record<string, unknown> {
    return {};
  }

  protected pick(data: unknown): Chat | null | undefined {
    return (data as ChatUpdatedSubscription | null | undefined)?.chatUpdated;
  }
}

/**
 * presenceChanged, and the caller's `resync` after each subscribe. Changes
 * that arrive while a resync runs are held back and handed out after its
 * answer: the subscribe went out before the read, so a user's last held
 * change is never older than what the read says of them.
 */
class ResyncedPresenceStream extends ResumableStream<Contact> implements PresenceStream {
  /** Changes held back while a resync runs; null when none runs. */
  private held: Contact[] | null = null;
  /** Counts resyncs, so that only the latest one hands out its answer. */
  private resyncs = 0;
  /** The latest resync's read. */
  private latest: Promise<void> = Promise.resolve();
  private readonly read: (() => Promise<readonly Contact[]>) | undefined;

  constructor(deps: SubscriptionDeps, { signal, resync }: PresenceOptions, document: DocumentNode) {
    super(deps, 'presenceChanged', document, signal);
    this.read = resync;
    if (resync) this.whenSubscribed = { run: () => this.reread(resync), first: true };
    this.start();
  }

  readonly resync = (): Promise<void> => (this.read ? this.reread(this.read) : Promise.resolve());

  protected variables(): Record<string, unknown> {
    return {};
  }

  protected pick(data: unknown): Contact | null | undefined {
    return (data as PresenceChangedSubscription | null | undefined)?.presenceChanged;
  }

  protected override accept(contact: Contact): boolean {
    if (!this.held) return true;
    this.held.push(contact);
    return false;
  }

  private reread(read: () => Promise<readonly Contact[]>): Promise<void> {
    const run = ++this.resyncs;
    // Changes held for an earlier resync (its connection dropped) are older than this read: out with them first.
    this.handOut();
    this.held = [];
    const reading = (async () => {
      let answer: readonly Contact[] = [];
      try {
        answer = await read();
      } finally {
        if (run === this.resyncs) this.handOut(answer);
      }
    })();
    this.latest = reading;
    // A read overtaken by a newer one hands out nothing, so it stands or falls with the newer one:
    // a resync after a reconnect still fails its attempt if the read that replaced it fails.
    const overtaken = () => run !== this.resyncs;
    return reading.then(
      () => (overtaken() ? this.latest : undefined),
      (error: unknown) => (overtaken() ? this.latest : Promise.reject(error)),
    );
  }

  /** Hands out `first`, then whatever was held back, and stops holding. */
  private handOut(first: readonly Contact[] = []): void {
    const held = this.held ?? [];
    this.held = null;
    for (const contact of [...first, ...held]) this.deliver(contact);
  }
}

/*
 * Each factory subscribes with the SDK's own document unless given another
 * selection of the same field (the urql exchange passes the operation's own).
 */
export const chatEventStream = (
  deps: ChatEventStreamDeps,
  chatId: string,
  options: ChatEventOptions,
  document: DocumentNode = ChatEventsDocument,
): ChatEventStream => new ResumableChatEventStream(deps, chatId, options, document);

export const messageStream = (deps: StreamDeps, chatId: string, options: StreamOptions, document: DocumentNode = MessageAddedDocument): MessageStream =>
  new ResumableMessageStream(deps, chatId, options, document);

export const chatUpdateStream = (deps: SubscriptionDeps, options: ChatUpdateOptions, document: DocumentNode = ChatUpdatedDocument): ChatUpdateStream =>
  new ResumableChatStream(deps, options, document);

export const presenceStream = (deps: SubscriptionDeps, options: PresenceOptions, document: DocumentNode = PresenceChangedDocument): PresenceStream =>
  new ResyncedPresenceStream(deps, options, document);
