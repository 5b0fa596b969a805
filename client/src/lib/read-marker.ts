/**
 * Batches "the viewer has seen up to seq N" into at most one markRead per
 * interval, with the highest seq seen: scrolling through a hundred messages
 * costs one or two requests, not a hundred.
 */
export class ReadMarker {
  private highest: number;
  private sent: number;
  private lastSentAt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly markRead: (seq: number) => Promise<unknown>,
    alreadyRead: number,
    private readonly intervalMs = 800,
    private readonly canSend: () => boolean = () => true,
  ) {
    this.highest = alreadyRead;
    this.sent = alreadyRead;
  }

  seen(seq: number): void {
    if (seq <= this.highest) return;
    this.highest = seq;
    this.schedule();
  }

  /** Sends what is waiting, e.g. when the tab becomes visible again. */
  schedule(): void {
    if (this.timer || this.highest <= this.sent) return;
    const wait = Math.max(0, this.lastSentAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = null;
    // A message on screen in a background tab has not been read.
    if (this.highest <= this.sent || !this.canSend()) return;
    const seq = this.highest;
    const before = this.sent;
    this.sent = seq;
    this.lastSentAt = Date.now();
    this.markRead(seq).catch(() => {
      // Lost with the network: schedule() after the reconnect sends it again.
      if (this.sent === seq) this.sent = before;
    });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
