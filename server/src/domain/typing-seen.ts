/**
 * Who one viewer currently sees typing in a chat. Each start holds for the
 * typing timeout unless renewed, so a typist whose stop never comes (their
 * instance died, the publish was lost) stops showing on its own; a renewal
 * of someone already shown typing changes nothing the viewer sees.
 */
export class TypingSeen {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly timeoutMs: number,
    /** Called when someone's typing ran out without a renewal. */
    private readonly expired: (userId: string) => void,
  ) {}

  /** Starts or renews; true when the viewer did not see them typing before. */
  start(userId: string): boolean {
    const shown = this.stop(userId);
    const timer = setTimeout(() => {
      this.timers.delete(userId);
      this.expired(userId);
    }, this.timeoutMs);
    timer.unref();
    this.timers.set(userId, timer);
    return !shown;
  }

  /** Ends it; true when the viewer saw them typing. */
  stop(userId: string): boolean {
    const timer = this.timers.get(userId);
    if (!timer) return false;
    clearTimeout(timer);
    this.timers.delete(userId);
    return true;
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
