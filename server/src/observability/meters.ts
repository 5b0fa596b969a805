/*
 * What each component counts, as a few methods. Components take one of these
 * (optional: tests and tools build them without) and never see prom-client;
 * metrics.ts implements them all over one registry per process role. Every
 * method is called on a hot path or close to it: it increments, sets or
 * observes a series created once, and allocates nothing per call.
 */

/** sendMessage as the API answers it. */
export interface SendMeter {
  /** The event log acknowledged the send: from now on it will be stored. */
  accepted(): void;
  /** The sender got an error, with its `extensions.code`. */
  rejected(code: string): void;
}

/** The persister's batches (in the API process with PERSISTER=inline, in `npm run persister` otherwise). */
export interface PersisterMeter {
  /** One handler call: how many envelopes, how long, and whether it succeeded (a failed batch is retried whole). */
  batch(size: number, seconds: number, ok: boolean): void;
  /** Text messages written to the store for the first time. */
  stored(count: number): void;
  /** An envelope that can never be stored: CONFLICT (made moot) or BAD_USER_INPUT (malformed, unknown chat or sender, refused by the store). */
  rejected(code: 'CONFLICT' | 'BAD_USER_INPUT'): void;
}

/** The realtime bus adapter of this process. */
export interface BusMeter {
  /** A publish the bus took. */
  published(): void;
  /** A publish that failed (Redis down or hung). */
  publishFailed(): void;
  /** A payload that arrived for this process's subscribers: once per message and channel, however many subscribe. */
  received(): void;
}

/** Waits for a bus publish and counts it as published or failed; the failure is rethrown. */
export async function countedPublish(meter: BusMeter | undefined, publishing: Promise<unknown>): Promise<void> {
  try {
    await publishing;
  } catch (error) {
    meter?.publishFailed();
    throw error;
  }
  meter?.published();
}

/** The Kafka consumer of the persister. */
export interface ConsumerMeter {
  /** Messages of `partition` not yet handled, after the last commit. */
  lag(partition: number, messages: number): void;
  /** The group rebalanced: partitions this member no longer holds must not show their old lag. */
  reassigned(): void;
}

/** graphql-ws sockets of this instance and what is written to them. */
export interface SocketMeter {
  opened(): void;
  closed(): void;
  /** A `next` frame handed to the socket; its payload as graphql-ws serialized it (see delivery-stamps.ts). */
  written(payload: object): void;
}

/** Subscriptions really executing on this instance (socket-operations.ts). */
export interface SubscriptionMeter {
  started(): void;
  ended(): void;
}

/** Which limit refused a request: each is one RATE_LIMITED answer. */
export type RateLimitKind = 'send' | 'chat_create' | 'signup' | 'login_address' | 'login_username' | 'login_success' | 'operations';

export const RATE_LIMIT_KINDS: readonly RateLimitKind[] = ['send', 'chat_create', 'signup', 'login_address', 'login_username', 'login_success', 'operations'];

export interface RateLimitMeter {
  refused(kind: RateLimitKind): void;
}
