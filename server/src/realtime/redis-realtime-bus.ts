import { RedisPubSub } from 'graphql-redis-subscriptions';
import type { Redis } from 'ioredis';
import { unavailable } from '../domain/errors.js';
import { countedPublish, type BusMeter } from '../observability/meters.js';
import { DEFAULT_COMMAND_TIMEOUT_MS, pingRedis } from '../support/redis.js';
import type { Logger } from '../observability/log.js';
import type { Channel, Codec } from './events.js';
import type { BusSubscription, RealtimeBus } from './port.js';
import { AsyncQueue } from '../support/async-queue.js';

const UNDECODABLE = Symbol('undecodable');

/**
 * A hung Redis (connected, answering nothing) would otherwise hold a new
 * subscription open forever without an error: as long as any command waits.
 */
const SUBSCRIBE_TIMEOUT_MS = DEFAULT_COMMAND_TIMEOUT_MS;

/**
 * Fan-out across every API instance and persister through Redis pub/sub.
 * When the subscriber connection drops, every open subscription ends with
 * UNAVAILABLE: messages published meanwhile are lost to pub/sub, and the
 * client's resubscribe with afterSeq is what recovers them from the store.
 */
export class RedisRealtimeBus implements RealtimeBus {
  private readonly pubsub: RedisPubSub;
  /** The codec of each channel this instance subscribes to, with how many subscriptions use it. */
  private readonly codecs = new Map<string, { codec: Codec<unknown>; users: number }>();
  private readonly open = new Set<Pick<AsyncQueue<unknown>, 'fail' | 'close'>>();

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly logger: Logger,
    private readonly meter?: BusMeter,
  ) {
    // Payloads are encoded by their channel's codec (events.ts), and decoded once per
    // message for every subscriber of the channel: they all get the same object.
    this.pubsub = new RedisPubSub({
      publisher,
      subscriber,
      serializer: (wire: string) => wire,
      deserializer: (wire: string | Buffer, { channel }: { channel: string }) => this.decode(channel, wire.toString()),
    });
    subscriber.on('close', () => {
      if (this.open.size === 0) return;
      logger.warn({ subscriptions: this.open.size }, 'realtime bus lost Redis; ending subscriptions so clients resume by seq');
      for (const sub of [...this.open]) sub.fail(unavailable('Realtime delivery was interrupted; resubscribe with afterSeq'));
    });
  }

  async publish<T>(channel: Channel<T>, payload: T): Promise<void> {
    await countedPublish(this.meter, this.pubsub.publish(channel.name, channel.codec.encode(payload)));
  }

  async subscribe<T>(channel: Channel<T>): Promise<BusSubscription<T>> {
    if (this.subscriber.status !== 'ready') throw unavailable('Realtime delivery is unavailable right now; retry shortly');
    let subId: number | null = null;
    const queue: AsyncQueue<T> = new AsyncQueue<T>(() => {
      this.open.delete(queue);
      this.release(channel.name);
      if (subId !== null) this.pubsub.unsubscribe(subId);
    });
    this.open.add(queue);
    // Resolves once Redis acknowledged SUBSCRIBE: from here on nothing is missed.
    const entry = this.codecs.get(channel.name);
    if (entry) entry.users++;
    else this.codecs.set(channel.name, { codec: channel.codec as Codec<unknown>, users: 1 });
    const subscribing = this.pubsub.subscribe(channel.name, (payload: T | typeof UNDECODABLE) => {
      if (payload !== UNDECODABLE) queue.push(payload);
    });
    subscribing.then(
      (id) => {
        subId = id;
        // Closed (or given up on) while SUBSCRIBE was in flight: release it now.
        if (queue.closed) this.pubsub.unsubscribe(id);
      },
      () => queue.close(),
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('SUBSCRIBE timed out')), SUBSCRIBE_TIMEOUT_MS);
    });
    try {
      await Promise.race([subscribing, timedOut]);
    } catch {
      queue.close();
      throw unavailable('Realtime delivery is unavailable right now; retry shortly');
    } finally {
      clearTimeout(timer);
    }
    return queue;
  }

  private release(channel: string): void {
    const entry = this.codecs.get(channel);
    if (entry && --entry.users === 0) this.codecs.delete(channel);
  }

  /** Once per message and channel, however many subscriptions here listen to it. */
  private decode(channel: string, wire: string): unknown {
    this.meter?.received();
    try {
      const entry = this.codecs.get(channel);
      if (entry) return entry.codec.decode(wire);
    } catch {
      // fall through: one bad payload must not end the channel's subscriptions
    }
    this.logger.warn({ channel }, 'realtime bus dropped a payload it could not decode');
    return UNDECODABLE;
  }

  ping(): Promise<void> {
    return Promise.all([pingRedis(this.publisher), pingRedis(this.subscriber)]).then(() => undefined);
  }

  async close(): Promise<void> {
    for (const sub of [...this.open]) sub.close();
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}
