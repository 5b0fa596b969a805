/** A half-open time window: `from` included, `to` excluded. */
export interface TimeWindow {
  from: Date;
  to: Date;
}

/** What one chat saw within a window: only chats with at least one message have one. */
export interface ChatWindowActivity {
  chatId: string;
  messages: number;
  /** Distinct senders. */
  senders: number;
  firstAt: Date;
  lastAt: Date;
}

export interface WindowActivity {
  /** Ordered by chat id. */
  chats: ChatWindowActivity[];
  /** Distinct senders across every chat: not the sum of the chats' senders. */
  activeUsers: number;
}

/**
 * The nightly job's read of the stored messages. A port of its own, apart
 * from the message store: it scans a window of every chat, where the store
 * serves one chat at a time on the message path, and only the job opens it.
 */
export interface Reporting {
  /** Counts text messages by `createdAt` within the window, per chat and overall, in one pass over the store (system messages are not sent by anyone). */
  activity(window: TimeWindow): Promise<WindowActivity>;
  close(): Promise<void>;
}
