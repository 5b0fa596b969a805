/**
 * Tells the chat the viewer is typing, without a request per key: `true` on
 * the first key and again every `renewMs` while keys keep coming (the server
 * shows it for about 6 s unless renewed), `false` once the keys stop for
 * `idleMs`, on blur, and never after a send (the server stops it itself).
 * The API drops a start within a second of the previous signal, so a start
 * that soon after one (typing again right after a send) waits out that second.
 */
export class TypingSender {
  private typingSince: number | null = null;
  private lastSentAt = 0;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private startTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly setTyping: (typing: boolean) => Promise<unknown>,
    private readonly renewMs = 4_000,
    private readonly idleMs = 5_000,
    private readonly now: () => number = Date.now,
    /** The API's "repeats within a second are dropped", with a margin. */
    private readonly minGapMs = 1_100,
  ) {}

  /** A key went into the message box; `empty` when the box is now empty (all deleted). */
  input(empty: boolean): void {
    if (empty) return this.stop();
    const now = this.now();
    if (this.typingSince === null || now - this.lastSentAt >= this.renewMs) {
      this.typingSince ??= now;
      const wait = this.lastSentAt + this.minGapMs - now;
      if (wait <= 0) this.start(now);
      else this.startTimer ??= setTimeout(() => this.start(this.now()), wait);
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stop(), this.idleMs);
  }

  /** The message box lost focus, or the chat closed. */
  stop(): void {
    const started = this.startTimer === null;
    this.clearIdle();
    if (this.typingSince === null) return;
    this.typingSince = null;
    // A start still waiting never went out: nothing to stop.
    if (started) {
      this.lastSentAt = this.now();
      this.send(false);
    }
  }

  /** The message went out: sending stops "typing" on the server, so nothing is sent. */
  sent(): void {
    this.clearIdle();
    this.typingSince = null;
  }

  private start(now: number): void {
    this.startTimer = null;
    if (this.typingSince === null) return;
    this.lastSentAt = now;
    this.send(true);
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.startTimer) clearTimeout(this.startTimer);
    this.startTimer = null;
  }

  private send(typing: boolean): void {
    // Best effort: a lost "typing" shows nothing, a lost "stopped" expires on the server.
    this.setTyping(typing).catch(() => undefined);
  }
}
