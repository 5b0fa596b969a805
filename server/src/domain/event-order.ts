/** How one of a chat's counters orders its events, and how to read the positions the bus did not bring. */
export interface Ordering<T> {
  /** The event's place in the counter: assigned under the chat's lock, so one event per position. */
  positionOf(event: T): number;
  /**
   * The stored events at positions in (after, upTo], in position order. A
   * position with none was taken over by a later change of the same message.
   * Without it, a missing position is given up on after the wait, and each
   * stream reads it for itself.
   */
  fill?(after: number, upTo: number): Promise<T[]>;
}

/**
 * Puts one counter's events back in order for every stream of a chat on this
 * instance. Publishes from different processes (WORKERS>1, several API
 * instances with their persisters) reach the bus in any order, and a stream
 * that sees N+1 before N must read N from the store: every stream of the chat
 * at once, for the same N. Here an event that arrives ahead of a missing one
 * is held for `waitMs`, which is almost always long enough for the missing
 * one to come; past it the gap is read once, by `fill`, and handed to all.
 *
 * Everything forwarded was stored before an event that arrived: the gap is
 * bounded by the held event after it, as a stream bounds its own. Events at
 * or below the frontier (late, duplicated, or older than the first stream)
 * are forwarded as they come: streams already drop what they have.
 */
export class EventOrder<T> {
  /** Every position up to here was forwarded or given up on; null until a stream says where the chat stood. */
  private frontier: number | null = null;
  /** Events ahead of a missing one, in position order. */
  private held: T[] = [];
  private timer: NodeJS.Timeout | null = null;
  private filling = false;
  private closed = false;

  constructor(
    private readonly ordering: Ordering<T>,
    private readonly forward: (event: T) => void,
    private readonly waitMs: number,
    /** A fill that failed: the gap is left to the streams, which will report the store's failure themselves. */
    private readonly fillFailed: (error: unknown) => void,
  ) {}

  accept(event: T): void {
    if (this.closed) return;
    const position = this.ordering.positionOf(event);
    if (this.frontier !== null && position <= this.frontier + 1) {
      this.forward(event);
      if (position > this.frontier) this.frontier = position;
      this.drain();
      return;
    }
    this.hold(event, position);
    this.arm();
  }

  /**
   * Everything up to `position` is stored, as a stream read it after its
   * subscription went live. The first such word sets where the order starts;
   * later ones change nothing (a stream that started further on drops the
   * events it already has).
   */
  storedUpTo(position: number): void {
    if (this.closed || this.frontier !== null) return;
    this.frontier = position;
    this.drain();
  }

  close(): void {
    this.closed = true;
    this.held = [];
    this.disarm();
  }

  /** Inserts in position order; a position already held keeps its first event. */
  private hold(event: T, position: number): void {
    const { held } = this;
    let at = held.length;
    while (at > 0 && this.ordering.positionOf(held[at - 1]) > position) at--;
    if (at > 0 && this.ordering.positionOf(held[at - 1]) === position) return;
    held.splice(at, 0, event);
  }

  /** Forwards the held events that now follow on from the frontier. */
  private drain(): void {
    if (this.frontier === null) return;
    while (this.held.length > 0) {
      const position = this.ordering.positionOf(this.held[0]);
      if (position > this.frontier + 1) break;
      this.forward(this.held.shift()!);
      if (position > this.frontier) this.frontier = position;
    }
    if (this.held.length === 0) this.disarm();
    else this.arm();
  }

  private arm(): void {
    if (this.timer || this.filling || this.held.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.expired();
    }, this.waitMs);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The missing events did not come in time: read them, or give up on them. */
  private async expired(): Promise<void> {
    if (this.closed || this.held.length === 0) return;
    const after = this.frontier;
    const upTo = this.ordering.positionOf(this.held[this.held.length - 1]) - 1;
    const { fill } = this.ordering;
    if (after === null || !fill) {
      // Where the chat stood is unknown (no stream said so in time), or there is nothing to read with.
      this.release(this.ordering.positionOf(this.held[0]) - 1);
      return;
    }
    this.filling = true;
    let stored: T[] = [];
    try {
      stored = await fill(after, upTo);
    } catch (error) {
      this.fillFailed(error);
    } finally {
      this.filling = false;
    }
    if (this.closed) return;
    for (const event of stored) {
      const position = this.ordering.positionOf(event);
      // Whatever came meanwhile was forwarded already.
      if (position > this.frontier! && position <= upTo) this.hold(event, position);
    }
    this.release(upTo);
  }

  /** Up to `upTo` every position is held, forwarded or given up on: forward them, then carry on. */
  private release(upTo: number): void {
    while (this.held.length > 0 && this.ordering.positionOf(this.held[0]) <= upTo) this.forward(this.held.shift()!);
    this.frontier = Math.max(this.frontier ?? upTo, upTo);
    this.drain();
  }
}
