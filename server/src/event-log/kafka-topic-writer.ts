import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { KAFKA_REQUEST_TIMEOUT_MS, PRODUCE_BATCH_MAX, PRODUCE_BATCH_MAX_BYTES } from '../config/tuning.js';
import type { Logger } from '../observability/log.js';
import { errorMessage } from '../support/error-text.js';
import { TurnBatch } from '../support/turn-batch.js';
import { withDeadline } from './timing.js';

export interface TopicWriterOptions {
  kafka: Kafka;
  topic: string;
  logger: Logger;
  /** Runs before each new producer connects: topic setup, so a topic deleted or never created comes back. */
  prepare: () => Promise<void>;
  /** A write settles within this many milliseconds, acknowledged or failed. */
  deadlineMs: number;
  /** What a write that was not acknowledged rejects with. */
  failure: () => Error;
  maxBatch?: number;
  maxBatchBytes?: number;
}

interface PendingWrite {
  record: Message;
  bytes: number;
  /** Answered already: acknowledged, or told it failed (then it must never be sent). */
  settled: boolean;
  settle(error?: Error): void;
}

const sizeOf = (record: Message): number =>
  (record.value === null ? 0 : Buffer.byteLength(record.value)) + (record.key == null ? 0 : Buffer.byteLength(record.key)) + 64;

/**
 * Writes records to one topic in call order through one idempotent producer
 * (`acks: -1`, one request in flight). Writes that queue up while a send is in
 * flight go out together as the next send: one round trip for many sends, and
 * the call order is the log order. A write resolves once every in-sync replica
 * has the record and settles within `deadlineMs` in any case.
 *
 * After a failed or timed-out send the producer is dropped and the next send
 * uses a new one, with a new producer id. kafkajs rewinds a partition's
 * sequence number when a request fails; had the broker written it after all,
 * the next, different record under that number would be acknowledged as a
 * duplicate and silently not written. A fresh producer id cannot collide.
 *
 * A write told it failed is never sent afterwards: topic setup and connecting
 * a producer may outlast a write's deadline, so only writes still waiting are
 * handed to the producer, in the same turn as the check. A write already
 * handed over when its deadline passes is in doubt (the broker may have it):
 * its sender was told UNAVAILABLE, retries with the same clientId, and the
 * store keeps one copy.
 */
export class TopicWriter {
  private readonly queue = new TurnBatch<PendingWrite>({
    take: (waiting) => this.takeBatch(waiting),
    handle: (batch) => this.flush(batch),
    fail: (batch) => batch.forEach((p) => p.settle(this.options.failure())),
  });
  private producer: Producer | null = null;
  private dropping = new Set<Promise<void>>();
  private closed = false;
  private failing = false;
  private readonly maxBatch: number;
  private readonly maxBatchBytes: number;

  constructor(private readonly options: TopicWriterOptions) {
    this.maxBatch = options.maxBatch ?? PRODUCE_BATCH_MAX;
    this.maxBatchBytes = options.maxBatchBytes ?? PRODUCE_BATCH_MAX_BYTES;
  }

  write(record: Message): Promise<void> {
    if (this.closed) return Promise.reject(this.options.failure());
    return new Promise<void>((resolve, reject) => {
      const pending: PendingWrite = {
        record,
        bytes: sizeOf(record),
        settled: false,
        settle: (error) => {
          if (pending.settled) return;
          pending.settled = true;
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        },
      };
      // Still queued at the deadline: it is never sent. Already in flight: see the class comment.
      const timer = setTimeout(() => {
        this.queue.remove(pending);
        pending.settle(this.options.failure());
      }, this.options.deadlineMs);
      this.queue.add(pending);
    });
  }

  /** Stops taking writes, lets every queued write settle, then disconnects. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue.settled();
    this.drop();
    await Promise.allSettled([...this.dropping]);
  }

  private async flush(batch: PendingWrite[]): Promise<void> {
    try {
      await withDeadline(this.send(batch), this.options.deadlineMs, () => new Error('Kafka did not acknowledge in time'));
      for (const p of batch) p.settle();
      if (this.failing) this.options.logger.info(`writing to Kafka topic ${this.options.topic} again`);
      this.failing = false;
    } catch (error) {
      this.drop();
      for (const p of batch) p.settle(this.options.failure());
      // One line per outage, not one per failed send.
      if (!this.failing) this.options.logger.warn({ error: errorMessage(error) }, `cannot write to Kafka topic ${this.options.topic}`);
      this.failing = true;
    }
  }

  private takeBatch(queue: PendingWrite[]): PendingWrite[] {
    let count = 0;
    let bytes = 0;
    while (count < queue.length && count < this.maxBatch) {
      const next = queue[count].bytes;
      if (count > 0 && bytes + next > this.maxBatchBytes) break;
      bytes += next;
      count++;
    }
    return queue.splice(0, count);
  }

  private async send(batch: PendingWrite[]): Promise<void> {
    let producer = this.producer;
    if (!producer) {
      await this.options.prepare();
      producer = this.options.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Murmur2 like the Java client, so other tools agree on which partition holds a chat.
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
      });
      this.producer = producer;
      await producer.connect();
    }
    // Dropped while connecting (the deadline passed): this send must not go out on it.
    if (this.producer !== producer) {
      await producer.disconnect().catch(() => undefined);
      throw new Error('the producer was replaced');
    }
    // Checked in the same turn as the hand-over: nothing told UNAVAILABLE goes out after it.
    const messages = batch.filter((p) => !p.settled).map((p) => p.record);
    if (messages.length === 0) return;
    await producer.send({ topic: this.options.topic, messages, acks: -1, timeout: KAFKA_REQUEST_TIMEOUT_MS });
  }

  private drop(): void {
    const producer = this.producer;
    this.producer = null;
    if (!producer) return;
    const done = producer
      .disconnect()
      .catch(() => undefined)
      .finally(() => this.dropping.delete(done));
    this.dropping.add(done);
  }
}
