import type { ChatRepository, LiveState } from '../relational/ports.js';
import type { Logger } from '../observability/log.js';

/** One live stream (`messageAdded` by seq, `chatEvents` by event seq), as the periodic check sees it. */
export interface WatchedStream {
  chatId: string;
  viewerId: string;
  /** Which of the chat's counters the stream follows. */
  counter: 'lastSeq' | 'lastEventSeq' | 'readSeq';
  /** The highest position the stream has delivered or is already going to deliver. */
  promised(): number;
  /** Everything up to this position is stored: deliver, from the store, anything the stream lacks. */
  catchUp(position: number): void;
  /** The viewer is no longer a member. */
  revoke(): void;
}

/**
 * The realtime bus is best effort: a message can be stored and recorded and
 * yet never published (the persister died in between, Redis dropped the
 * publish), and a leave's publish can be lost too. Nothing on the bus would
 * ever tell a subscriber. So every interval each instance asks the database,
 * in one query for all of its live streams, for the chats' lastSeq and
 * whether each viewer is still a member: a stream behind a lastSeq seen at
 * the previous check (a whole interval for the bus to have delivered it)
 * catches up from the store, and a viewer who left is cut off.
 */
export class LiveCheck {
  private readonly streams = new Set<WatchedStream>();
  /** Each watched chat's counters at the previous check. */
  private previous = new Map<string, LiveState>();
  private readonly timer: NodeJS.Timeout;
  private running = false;
  private failing = false;

  constructor(
    private readonly chats: Pick<ChatRepository, 'liveState'>,
    intervalMs: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  /** Follows a stream until the returned function is called. */
  watch(stream: WatchedStream): () => void {
    this.streams.add(stream);
    return () => void this.streams.delete(stream);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.check();
      if (this.failing) this.logger.info('live check works again');
      this.failing = false;
    } catch (error) {
      // Open streams carry on meanwhile; one line per outage.
      if (!this.failing) this.logger.warn({ err: error }, 'live check failed; retrying every interval');
      this.failing = true;
    } finally {
      this.running = false;
    }
  }

  /** One pass over every stream watched when it starts. */
  async check(): Promise<void> {
    // Only streams already watched when the query runs: the answer is about them.
    const streams = [...this.streams];
    if (streams.length === 0) {
      this.previous.clear();
      return;
    }
    const pairs = new Map<string, { chatId: string; userId: string }>();
    for (const { chatId, viewerId } of streams) pairs.set(`${chatId}:${viewerId}`, { chatId, userId: viewerId });
    const states = await this.chats.liveState([...pairs.values()]);

    const members = new Set<string>();
    const current = new Map<string, LiveState>();
    for (const state of states) {
      if (state.member) members.add(`${state.chatId}:${state.userId}`);
      current.set(state.chatId, state);
    }
    for (const stream of streams) {
      if (!this.streams.has(stream)) continue;
      if (!members.has(`${stream.chatId}:${stream.viewerId}`)) {
        stream.revoke();
        continue;
      }
      // Recorded a whole interval ago and still not there: its publish is not coming.
      const seen = this.previous.get(stream.chatId)?.[stream.counter];
      if (seen !== undefined && stream.promised() < seen) stream.catchUp(seen);
    }
    this.previous = current;
  }

  close(): void {
    clearInterval(this.timer);
    this.streams.clear();
  }
}
