import type { Channel } from '../realtime/events.js';
import type { RealtimeBus } from '../realtime/port.js';
import type { Logger } from '../observability/log.js';

/**
 * Publishes what a mutation changed (chatJoined, chatRead, memberLeft) after
 * its database change is committed. The mutation waits for the publish, so
 * announcements leave in the order of the mutations that made them (a leave's
 * memberLeft is on the bus before leaveChat answers), but only so long: a hung
 * or down bus costs each mutation at most `timeoutMs`, never its result. What
 * is lost is caught up elsewhere: chat lists by their next query, a leaver's
 * open subscriptions by the live check. Failures are logged once per outage,
 * not once per mutation.
 */
export class Announcer {
  /** Announcements lost since the bus last took one; > 0 means an outage was reported. */
  private missed = 0;

  constructor(
    private readonly bus: RealtimeBus,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  async announce<T>(channel: Channel<T>, event: T & { type: string; chatId?: string }): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.timeoutMs);
    });
    // The rejection is handled here even when the deadline wins: a late failure is no unhandled rejection.
    const sent = this.bus.publish(channel, event).then(
      () => 'sent' as const,
      (error: unknown) => ({ error }),
    );
    const outcome = await Promise.race([sent, late]).finally(() => clearTimeout(timer));
    if (outcome === 'sent') {
      if (this.missed > 0) this.logger.info({ missed: this.missed }, 'live announcements delivered again');
      this.missed = 0;
      return;
    }
    if (this.missed++ === 0) {
      const failure = outcome === 'late' ? { error: `no answer from the realtime bus within ${this.timeoutMs} ms` } : { err: outcome.error };
      this.logger.warn(
        { type: event.type, chatId: event.chatId, ...failure },
        "live announcement not delivered; chat lists catch up on their next query, the live check ends a leaver's subscriptions",
      );
    }
  }
}
