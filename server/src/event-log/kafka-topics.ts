import type { Admin, ITopicConfig, Kafka } from 'kafkajs';
import { KAFKA_REQUEST_TIMEOUT_MS } from '../config/tuning.js';
import type { Logger } from '../observability/log.js';

export interface TopicSpec {
  topic: string;
  partitions: number;
}

/**
 * Replicas per topic: three where the cluster has them (the usual production
 * choice), else every broker, so a one-broker development cluster works too.
 * kafkajs speaks CreateTopics up to v3, which cannot ask for the broker's
 * default (-1 needs v4), hence the explicit count.
 */
export const replicationFactorFor = (brokerCount: number): number => Math.max(1, Math.min(3, brokerCount));

/** With three replicas, an acknowledged write (acks -1) is on at least two brokers. */
export const minInSyncReplicasFor = (replicationFactor: number): number => (replicationFactor >= 3 ? 2 : 1);

/**
 * The admin connection, opened on first use and dropped after any failure so
 * the next use starts clean (after an outage kafkajs may hold dead sockets).
 * `ensureTopics` is what makes topic creation lazy: it runs at start, at every
 * readiness probe, before every new producer and before the consumer joins, so
 * topics appear as soon as the brokers come back.
 */
export class KafkaTopics {
  private admin: Admin | null = null;
  private connecting: Promise<Admin> | null = null;
  private ensuring: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly specs: TopicSpec[],
    private readonly logger: Logger,
  ) {}

  /** Creates the missing topics; a round trip to the brokers even when none is missing. */
  ensureTopics(): Promise<void> {
    this.ensuring ??= this.use((admin) => this.createMissing(admin)).finally(() => {
      this.ensuring = null;
    });
    return this.ensuring;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([this.ensuring, this.connecting]);
    await this.drop();
  }

  private async createMissing(admin: Admin): Promise<void> {
    const existing = new Set(await admin.listTopics());
    const missing = this.specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return;
    const { brokers } = await admin.describeCluster();
    const replicationFactor = replicationFactorFor(brokers.length);
    const topics: ITopicConfig[] = missing.map((s) => ({
      topic: s.topic,
      numPartitions: s.partitions,
      replicationFactor,
      configEntries: [{ name: 'min.insync.replicas', value: String(minInSyncReplicasFor(replicationFactor)) }],
    }));
    // false: another process created them first, which is just as good.
    const created = await admin.createTopics({ topics, waitForLeaders: true, timeout: KAFKA_REQUEST_TIMEOUT_MS });
    if (created) this.logger.info({ topics: missing, replicationFactor }, 'created Kafka topics');
  }

  private async use<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the Kafka admin client is closed');
    const admin = await this.connected();
    try {
      return await work(admin);
    } catch (error) {
      await this.drop();
      throw error;
    }
  }

  private connected(): Promise<Admin> {
    if (this.admin) return Promise.resolve(this.admin);
    this.connecting ??= (async () => {
      const admin = this.kafka.admin({ retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 } });
      try {
        await admin.connect();
      } catch (error) {
        await admin.disconnect().catch(() => undefined);
        throw error;
      }
      this.admin = admin;
      return admin;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async drop(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    await admin?.disconnect().catch(() => undefined);
  }
}
