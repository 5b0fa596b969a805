import { RedisPubSub } from 'graphql-redis-subscriptions';
import type { Redis } from 'ioredis';
import { unavailable } from '../domain/errors.js';
import { pingRedis } from '../support/redis.js';
import type { Logger } from '../support/logger.js';
import type { BusSubscription, RealtimeBus } from './port.js';
import { SubscriptionQueue } from './subscription-queue.js';

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
    try {
      // Resolves once Redis acknowledged SUBSCRIBE: from here on nothing is missed.
      subId = await this.pubsub.subscribe(channel, (message: unknown) => queue.push(message));
    } catch {
      queue.close();
      throw unavailable('Realtime delivery is unavailable right now; retry shortly');
    }
    // Closed while SUBSCRIBE was in flight: release it now.
    if (queue.closed) this.pubsub.unsubscribe(subId);
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
