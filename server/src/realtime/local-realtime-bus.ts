import type { BusMeter } from '../observability/meters.js';
import type { Channel } from './events.js';
import type { BusSubscription, RealtimeBus } from './port.js';
import { AsyncQueue } from '../support/async-queue.js';

/** The embedded realtime bus: fan-out inside one process. Payloads pass as they are: every subscriber gets the publisher's object. */
export class LocalRealtimeBus implements RealtimeBus {
  private channels = new Map<string, Set<AsyncQueue<unknown>>>();

  constructor(private readonly meter?: BusMeter) {}

  async publish<T>(channel: Channel<T>, payload: T): Promise<void> {
    this.meter?.published();
    const subs = this.channels.get(channel.name);
    if (!subs) return;
    // In one process a publish is its own receipt, counted when someone here listens (as Redis delivers it).
    this.meter?.received();
    for (const sub of subs) sub.push(payload);
  }

  async subscribe<T>({ name }: Channel<T>): Promise<BusSubscription<T>> {
    let subs = this.channels.get(name);
    if (!subs) this.channels.set(name, (subs = new Set()));
    const sub: AsyncQueue<unknown> = new AsyncQueue(() => {
      subs.delete(sub);
      if (subs.size === 0 && this.channels.get(name) === subs) this.channels.delete(name);
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
