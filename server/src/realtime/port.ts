import type { Channel } from './events.js';

/** A live subscription to one channel; iterate it, and close it when done. */
export interface BusSubscription<T> extends AsyncIterable<T> {
  close(): void;
}

/**
 * Best-effort fan-out: anything missed is recovered from the store by seq.
 * Channels and their payload types come from events.ts; adapters that carry
 * bytes encode and decode with the channel's codec.
 */
export interface RealtimeBus {
  /** Delivered per channel in call order, even when the caller does not wait for each (the persister does not). */
  publish<T>(channel: Channel<T>, payload: T): Promise<void>;
  /** Resolves once the subscription is live, so nothing published afterwards is missed. */
  subscribe<T>(channel: Channel<T>): Promise<BusSubscription<T>>;
  /** Rejects when the bus cannot deliver (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
