import { APPEND_DEADLINE_MS, PERSIST_BATCH_MAX, READINESS_PROBE_MS } from '../config/tuning.js';
import { unavailable } from '../domain/errors.js';
import type { Logger } from '../observability/log.js';
import { KafkaBatchConsumer } from './kafka-batch-consumer.js';
import { consumeClient, writeClient } from './kafka-client.js';
import { envelopeRecord } from './kafka-records.js';
import { TopicWriter } from './kafka-topic-writer.js';
import { KafkaTopics } from './kafka-topics.js';
import type { EnvelopeHandler, EventLog, MessageEnvelope } from './port.js';
import { withDeadline } from './timing.js';
import type { ConsumerMeter } from '../observability/meters.js';

export const MESSAGES_TOPIC = 'parley.messages';
export const PERSISTER_GROUP = 'parley-persister';

export interface KafkaEventLogOptions {
  brokers: string[];
  /** Partitions of the messages topic when Parley creates it; they bound how many persisters work at once. */
  partitions: number;
  logger: Logger;
  /** Defaults to `parley.messages`; tests use their own. */
  topic?: string;
  /** Defaults to `<topic>.dlq`. */
  deadLetterTopic?: string;
  /** Defaults to `parley-persister`: every persister process joins it and they share the partitions. */
  groupId?: string;
  /** The persister's consumer lag. */
  meter?: ConsumerMeter;
}

/**
 * The event log on Kafka. Appends go to `parley.messages` keyed by chat id,
 * so each chat stays in order within its partition, and resolve once every
 * in-sync replica has them. Persisters form one consumer group; what they
 * cannot store goes to the dead-letter topic with the reason.
 *
 * Nothing here needs the brokers at start-up: topics are created (when
 * missing) on first use, at every readiness probe and whenever a producer or
 * the consumer (re)connects, so Parley starts while Kafka is down, reports it
 * on /readyz, answers sends with UNAVAILABLE, and recovers by itself.
 */
export class KafkaEventLog implements EventLog {
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly groupId: string;
  private readonly topics: KafkaTopics;
  private readonly messages: TopicWriter;
  private readonly deadLetters: TopicWriter;
  private consumer: KafkaBatchConsumer | null = null;
  private closing: Promise<void> | null = null;

  constructor(private readonly options: KafkaEventLogOptions) {
    const { brokers, partitions, logger } = options;
    this.topic = options.topic ?? MESSAGES_TOPIC;
    this.deadLetterTopic = options.deadLetterTopic ?? `${this.topic}.dlq`;
    this.groupId = options.groupId ?? PERSISTER_GROUP;
    const kafka = writeClient(brokers, logger);
    // Dead letters are rare and read by people: one partition keeps them in the order they happened.
    this.topics = new KafkaTopics(kafka, [{ topic: this.topic, partitions }, { topic: this.deadLetterTopic, partitions: 1 }], logger);
    const prepare = () => this.topics.ensureTopics();
    this.messages = new TopicWriter({
      kafka,
      topic: this.topic,
      logger,
      prepare,
      deadlineMs: APPEND_DEADLINE_MS,
      failure: () => unavailable('The message could not be accepted; retry with the same clientId'),
    });
    this.deadLetters = new TopicWriter({
      kafka,
      topic: this.deadLetterTopic,
      logger,
      prepare,
      deadlineMs: APPEND_DEADLINE_MS,
      failure: () => new Error(`could not write to ${this.deadLetterTopic}`),
    });
  }

  append(envelope: MessageEnvelope): Promise<void> {
    if (this.closing) return Promise.reject(unavailable('Parley is shutting down; retry the send'));
    return this.messages.write(envelopeRecord(envelope));
  }

  /** Returns at once; the consumer joins the group in the background and keeps rejoining after failures. */
  async consume(handler: EnvelopeHandler): Promise<void> {
    if (this.closing) throw unavailable('The event log is closed');
    if (this.consumer) throw new Error('this event log is already consuming');
    this.consumer = new KafkaBatchConsumer({
      kafka: consumeClient(this.options.brokers, this.options.logger),
      topic: this.topic,
      groupId: this.groupId,
      handler,
      deadLetters: this.deadLetters,
      prepare: () => this.topics.ensureTopics(),
      logger: this.options.logger,
      maxBatch: PERSIST_BATCH_MAX,
      meter: this.options.meter,
    });
    this.consumer.start();
  }

  /** A metadata round trip that also creates missing topics: up means appends can be acknowledged. */
  async ping(): Promise<void> {
    if (this.closing) throw unavailable('The event log is closed');
    await withDeadline(this.topics.ensureTopics(), READINESS_PROBE_MS, () => unavailable('Kafka did not answer in time'));
  }

  /** Appends in flight settle first; then the consumer finishes its slice and leaves; then the rest disconnects. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.messages.close();
      await this.consumer?.stop();
      await this.deadLetters.close();
      await this.topics.close();
    })();
    return this.closing;
  }
}
