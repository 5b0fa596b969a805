import { RedisPubSub } from 'graphql-redis-subscriptions';
import type { Redis } from 'ioredis';
import { unavailable } from '../domain/errors.js';
import { DEFAULT_COMMAND_TIMEOUT_MS, pingRedis } from '../support/redis.js';
import type { Logger } from '../support/logger.js';
import type { BusSubscription, RealtimeBus } from './port.js';
import { SubscriptionQueue } from './subscription-queue.js';

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
  private readonly open = new Set<SubscriptionQueue<unknown>>();

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    logger: Logger,
  ) {
    this.pubsub = new RedisPubSub({ publisher, subscriber });
    subscriber.on('close', () => {
      if (this.open.size === 0) return;
      logger.warn('realtime bus lost Redis; ending subscriptions so clients resume by seq', { subscriptions: this.open.size });
      for (const sub of [...this.open]) sub.fail(unavailable('Realtime delivery was interrupted; resubscribe with afterSeq'));
    });
  }

  async publish(channel: string, payload: unknown): Promise<void> {
    await this.pubsub.publish(channel, payload);
  }

  async subscribe<T>(channel: string): Promise<BusSubscription<T>> {
    if (this.subscriber.status !== 'ready') throw unavailable('Realtime delivery is unavailable right now; retry shortly');
    let subId: number | null = null;
    const queue: SubscriptionQueue<unknown> = new SubscriptionQueue(() => {
      this.open.delete(queue);
      if (subId !== null) this.pubsub.unsubscribe(subId);
    });
    this.open.add(queue);
    // Resolves once Redis acknowledged SUBSCRIBE: from here on nothing is missed.
    const subscribing = this.pubsub.subscribe(channel, (message: unknown) => queue.push(message));
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
    return queue as BusSubscription<T>;
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
