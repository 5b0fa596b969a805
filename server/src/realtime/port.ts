/** A live subscription to one channel; iterate it, and close it when done. */
export interface BusSubscription<T> extends AsyncIterable<T> {
  close(): void;
}

/** Best-effort fan-out: anything missed is recovered from the store by seq. */
export interface RealtimeBus {
  /** Delivered per channel in call order, even when the caller does not wait for each (the persister does not). */
  publish(channel: string, payload: unknown): Promise<void>;
  /** Resolves once the subscription is live, so nothing published afterwards is missed. */
  subscribe<T>(channel: string): Promise<BusSubscription<T>>;
  /** Rejects when the bus cannot deliver (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const chatChannel = (chatId: string): string => `chat.${chatId}.messages`;
/** A user's own events: joined a chat, moved a read mark (from any device). */
export const userChannel = (userId: string): string => `user.${userId}.chats`;
