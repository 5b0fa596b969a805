import { Command, type Cluster } from 'ioredis';
import { unavailable } from '../domain/errors.js';
import { countedPublish, type BusMeter } from '../observability/meters.js';
import type { Logger } from '../observability/log.js';
import { DEFAULT_COMMAND_TIMEOUT_MS, pingRedis } from '../support/redis.js';
import type { Channel, Codec } from './events.js';
import type { BusSubscription, RealtimeBus } from './port.js';
import { AsyncQueue } from '../support/async-queue.js';

/** As on one Redis: a shard that answers nothing must not hold a new subscription open forever. */
const SUBSCRIBE_TIMEOUT_MS = DEFAULT_COMMAND_TIMEOUT_MS;

/** One channel this process listens to: SSUBSCRIBEd once, however many subscriptions share it. */
interface ShardChannel {
  codec: Codec<unknown>;
  slot: number;
  queues: Set<AsyncQueue<unknown>>;
  /** Settles when the shard acknowledged SSUBSCRIBE. */
  subscribed: Promise<unknown>;
}

/** The cluster slot of a channel name, as ioredis routes it (hash tags included). */
const slotOf = (channel: string): number => new Command('ssubscribe', [channel]).getSlot();

/**
 * Fan-out across instances through a Redis Cluster's sharded pub/sub
 * (SPUBLISH/SSUBSCRIBE, Redis >= 7). A channel lives in the slot its name
 * hashes to: a publish goes to that slot's shard only and is never broadcast
 * over the cluster bus, so pub/sub traffic spreads over the shards (classic
 * PUBLISH in a cluster reaches every node). The subscriber keeps one
 * connection per master (ioredis `shardedSubscribers`).
 *
 * When a shard's subscriber connection is lost (its master died, or is
 * failing over to a replica), the subscriptions to channels of that shard end
 * with UNAVAILABLE, as every subscription does on one Redis: whatever was
 * published meanwhile is lost to pub/sub, and the client's resubscribe with
 * afterSeq recovers it from the store. Subscriptions on the other shards carry
 * on. ioredis meanwhile finds the slot's new owner and resubscribes there.
 */
export class ShardedRealtimeBus implements RealtimeBus {
  private readonly channels = new Map<string, ShardChannel>();
  private readonly open = new Set<AsyncQueue<unknown>>();

  constructor(
    private readonly publisher: Cluster,
    private readonly subscriber: Cluster,
    private readonly logger: Logger,
    private readonly meter?: BusMeter,
  ) {
    subscriber.on('smessage', (channel: string, wire: string) => this.deliver(channel, wire));
    // From a sharded subscriber, with its node; the pool's own '-node' carries no node key.
    subscriber.on('-node', (_redis: unknown, node?: string) => {
      if (node !== undefined) this.lost((entry) => this.ownerOf(entry.slot) === node, node);
    });
    subscriber.on('close', () => this.lost(() => true, 'every node'));
  }

  async publish<T>(channel: Channel<T>, payload: T): Promise<void> {
    // Routed to the channel's slot; commands to one node keep their order.
    await countedPublish(this.meter, this.publisher.spublish(channel.name, channel.codec.encode(payload)));
  }

  async subscribe<T>(channel: Channel<T>): Promise<BusSubscription<T>> {
    if (this.subscriber.status !== 'ready') throw unavailable('Realtime delivery is unavailable right now; retry shortly');
    const entry = this.channels.get(channel.name) ?? this.listen(channel);
    const queue: AsyncQueue<unknown> = new AsyncQueue(() => {
      this.open.delete(queue);
      entry.queues.delete(queue);
      if (entry.queues.size > 0 || this.channels.get(channel.name) !== entry) return;
      this.channels.delete(channel.name);
      // Best effort: a shard that is down has dropped the subscription anyway.
      this.subscriber.sunsubscribe(channel.name).catch(() => undefined);
    });
    entry.queues.add(queue);
    this.open.add(queue);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('SSUBSCRIBE timed out')), SUBSCRIBE_TIMEOUT_MS);
    });
    try {
      // Once the shard acknowledged SSUBSCRIBE nothing published afterwards is missed.
      await Promise.race([entry.subscribed, timedOut]);
    } catch {
      queue.close();
      throw unavailable('Realtime delivery is unavailable right now; retry shortly');
    } finally {
      clearTimeout(timer);
    }
    return queue as BusSubscription<T>;
  }

  private listen<T>(channel: Channel<T>): ShardChannel {
    const entry: ShardChannel = {
      codec: channel.codec as Codec<unknown>,
      slot: slotOf(channel.name),
      queues: new Set(),
      subscribed: this.subscriber.ssubscribe(channel.name),
    };
    this.channels.set(channel.name, entry);
    entry.subscribed.catch(() => {
      // Refused (no shard for the slot right now): the next subscription tries again.
      if (this.channels.get(channel.name) === entry) this.channels.delete(channel.name);
    });
    return entry;
  }

  /** Decoded once per message and channel: every subscriber here gets the same object. */
  private deliver(channel: string, wire: string): void {
    const entry = this.channels.get(channel);
    if (!entry) return;
    this.meter?.received();
    let payload: unknown;
    try {
      payload = entry.codec.decode(wire);
    } catch {
      // One bad payload must not end the channel's subscriptions.
      this.logger.warn({ channel }, 'realtime bus dropped a payload it could not decode');
      return;
    }
    for (const queue of entry.queues) queue.push(payload);
  }

  /** The master a slot belongs to, as this client last learned it from the cluster. */
  private ownerOf(slot: number): string | undefined {
    return this.subscriber.slots[slot]?.[0];
  }

  private lost(affected: (entry: ShardChannel) => boolean, node: string): void {
    const ended = [...this.channels.values()].filter(affected).flatMap((entry) => [...entry.queues]);
    if (ended.length === 0) return;
    this.logger.warn({ subscriptions: ended.length, node }, 'realtime bus lost a Redis Cluster shard; ending its subscriptions so clients resume by seq');
    for (const queue of ended) queue.fail(unavailable('Realtime delivery was interrupted; resubscribe with afterSeq'));
  }

  ping(): Promise<void> {
    return Promise.all([pingRedis(this.publisher), pingRedis(this.subscriber)]).then(() => undefined);
  }

  async close(): Promise<void> {
    for (const queue of [...this.open]) queue.close();
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}
