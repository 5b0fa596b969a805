import type { BusSubscription, RealtimeBus } from './port.js';
import { SubscriptionQueue } from './subscription-queue.js';

/** The embedded realtime bus: fan-out inside one process. */
export class LocalRealtimeBus implements RealtimeBus {
  private channels = new Map<string, Set<SubscriptionQueue<unknown>>>();

  async publish(channel: string, payload: unknown): Promise<void> {
    const subs = this.channels.get(channel);
    if (!subs) return;
    for (const sub of subs) sub.push(payload);
  }

  async subscribe<T>(channel: string): Promise<BusSubscription<T>> {
    let subs = this.channels.get(channel);
    if (!subs) this.channels.set(channel, (subs = new Set()));
    const sub: SubscriptionQueue<unknown> = new SubscriptionQueue(() => {
      subs.delete(sub);
      if (subs.size === 0 && this.channels.get(channel) === subs) this.channels.delete(channel);
    });
    subs.add(sub);
    return sub as BusSubscription<T>;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    for (const subs of [...this.channels.values()]) for (const sub of [...subs]) sub.close();
    this.channels.clear();
  }
}
