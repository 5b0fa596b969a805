import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Message } from 'kafkajs';
import type { Logger } from '../observability/log.js';
import { errorMessage } from '../support/error-text.js';
import { deadLetterFor, deadLetterRecord, decodeEnvelope, type DeadLetter } from './kafka-records.js';
import { envelopeId, type EnvelopeHandler, type MessageEnvelope, type Rejection } from './port.js';
import { retryDelayMs, sleep } from './timing.js';
import type { ConsumerMeter } from '../observability/meters.js';

export interface BatchConsumerOptions {
  kafka: Pick<Kafka, 'consumer'>;
  topic: string;
  groupId: string;
  handler: EnvelopeHandler;
  /** Resolves once the dead-letter topic holds the record. */
  deadLetters: { write(record: Message): Promise<void> };
  /** Topic setup, run before every (re)join. */
  prepare: () => Promise<void>;
  logger: Logger;
  /** Envelopes per handler call; a fetched batch larger than this is handled in slices. */
  maxBatch: number;
  /** Reports each partition's lag as batches arrive and are committed. */
  meter?: ConsumerMeter;
}

/** How often a long handler call or a back-off keeps the group membership alive. */
const HEARTBEAT_EVERY_MS = 1_000;
/** How often a back-off checks whether the consumer is stopping. */
const WAKE_EVERY_MS = 250;

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * The persister side of the Kafka log: one member of a consumer group. Each
 * fetched batch goes to the handler; its offset is resolved and committed only
 * after the handler succeeded and its rejections are in the dead-letter topic,
 * so a crash at any point means the batch is delivered again (the persister
 * skips what it already stored), never that it is skipped. A handler failure
 * is transient by contract: the same slice is retried with back-off, with
 * heartbeats, until it succeeds, the consumer stops, or the partition moves to
 * another member (which then starts from the last commit).
 */
export class KafkaBatchConsumer {
  private consumer: Consumer | null = null;
  private supervising: Promise<void> | null = null;
  private readonly stopping = new AbortController();

  constructor(private readonly options: BatchConsumerOptions) {}

  /** Joins in the background, and rejoins after any failure, until stopped. */
  start(): void {
    this.supervising ??= this.supervise();
  }

  /** Lets the slice in hand finish (stored and committed, or left for redelivery), then leaves the group. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.supervising;
    const consumer = this.consumer;
    this.consumer = null;
    await consumer?.disconnect().catch((error: unknown) => this.options.logger.warn({ err: error }, 'event log consumer did not disconnect cleanly'));
  }

  private async supervise(): Promise<void> {
    const { kafka, topic, groupId, logger } = this.options;
    const stopped = new Promise<null>((resolve) => this.stopping.signal.addEventListener('abort', () => resolve(null), { once: true }));
    for (let attempt = 0; !this.stopping.signal.aborted; attempt++) {
      const consumer = kafka.consumer({
        groupId,
        allowAutoTopicCreation: false,
        // Bounds how long stopping waits for an idle fetch.
        maxWaitTimeInMs: 1_000,
        retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 30_000 },
      });
      // kafkajs restarts by itself after retriable crashes; after any other it has stopped for good.
      const crashed = new Promise<Error>((resolve) =>
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          if (!payload.restart) resolve(payload.error);
        }),
      );
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
        logger.info({ groupId, topic, partitions: payload.memberAssignment[topic] ?? [] }, 'persister joined the consumer group'),
      );
      consumer.on(consumer.events.GROUP_JOIN, () => this.options.meter?.reassigned());
      this.consumer = consumer;
      try {
        await this.options.prepare();
        await consumer.connect();
        // A new group starts at the beginning: nothing appended before its first join may be missed.
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        if (this.stopping.signal.aborted) return; // stop() disconnects it
        await consumer.run({
          eachBatchAutoResolve: false,
          autoCommit: true,
          // With a threshold of one, commitOffsetsIfNecessary commits every resolved offset at once.
          autoCommitThreshold: 1,
          eachBatch: (payload) => this.eachBatch(payload),
        });
        attempt = 0;
        const crash = await Promise.race([crashed, stopped]);
        if (crash === null) return; // stop() disconnects it
        this.consumer = null;
        logger.error({ topic, groupId, err: crash }, 'event log consumer stopped on an error; rejoining');
      } catch (error) {
        this.consumer = null;
        await consumer.disconnect().catch(() => undefined);
        logger.warn({ topic, groupId, attempt: attempt + 1, error: errorMessage(error) }, 'cannot consume the Kafka event log yet; retrying');
      }
      await sleep(retryDelayMs(attempt), this.stopping.signal);
    }
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, commitOffsetsIfNecessary, heartbeat } = payload;
    const { meter } = this.options;
    // Lag as fetched (this batch included), then after each committed slice.
    const lastOfPartition = Number(batch.highWatermark) - 1;
    if (batch.messages.length > 0) meter?.lag(batch.partition, lastOfPartition - Number(batch.messages[0].offset) + 1);
    for (let from = 0; from < batch.messages.length; from += this.options.maxBatch) {
      if (!this.live(payload)) return;
      const slice = batch.messages.slice(from, from + this.options.maxBatch);
      const letters: { letter: DeadLetter; key: Buffer | null }[] = [];
      const sources = new Map<MessageEnvelope, KafkaMessage>();
      for (const message of slice) {
        const decoded = decodeEnvelope(message.value);
        if ('envelope' in decoded) sources.set(decoded.envelope, message);
        else letters.push(this.letter(null, decoded.reason, message, batch.partition));
      }

      this.options.logger.debug({ partition: batch.partition, size: slice.length, offsetLag: batch.offsetLag() }, 'event log batch');
      if (sources.size > 0) {
        const envelopes = [...sources.keys()];
        const rejections = await this.untilDone('storing a batch of messages', payload, () => this.options.handler(envelopes));
        if (rejections === null) return;
        // A moot change (an edit of a message deleted meanwhile) has nothing to recover: no dead letter.
        const moot = rejections.filter((r) => r.code === 'CONFLICT');
        if (moot.length > 0) this.options.logger.info({ count: moot.length }, 'changes made moot by a deletion were dropped');
        for (const rejection of rejections) {
          if (rejection.code !== 'CONFLICT') letters.push(this.letter(rejection, rejection.reason, sourceOf(rejection, sources), batch.partition));
        }
      }

      if (letters.length > 0) {
        const written = await this.untilDone('writing dead letters', payload, () =>
          Promise.all(letters.map(({ letter, key }) => this.options.deadLetters.write(deadLetterRecord(letter, key)))),
        );
        if (written === null) return;
        const reasons = [...new Set(letters.map(({ letter }) => letter.reason))];
        this.options.logger.warn({ count: letters.length, partition: batch.partition, reasons }, 'messages rejected to the dead-letter topic');
      }

      resolveOffset(slice[slice.length - 1].offset);
      await commitOffsetsIfNecessary();
      meter?.lag(batch.partition, Math.max(0, lastOfPartition - Number(slice[slice.length - 1].offset)));
      await heartbeat();
    }
  }

  private letter(rejection: Rejection | null, reason: string, message: KafkaMessage | undefined, partition: number) {
    const letter = deadLetterFor({
      envelope: rejection?.envelope ?? null,
      original: message?.value ?? null,
      reason,
      source: message ? { topic: this.options.topic, partition, offset: message.offset } : null,
    });
    return { letter, key: message?.key ?? null };
  }

  /**
   * Runs `work` until it succeeds, backing off between failures. Null when
   * the consumer stops or the batch goes stale first: the slice stays
   * uncommitted, so whoever consumes the partition next gets it again.
   * A failed heartbeat (the group is rebalancing) is thrown to kafkajs, which
   * rejoins; the same holds then.
   */
  private async untilDone<T>(what: string, payload: EachBatchPayload, work: () => Promise<T>): Promise<T | null> {
    for (let failures = 0; ; failures++) {
      const outcome = await this.heartbeating(payload, work);
      if (outcome.ok) return outcome.value;
      const delayMs = retryDelayMs(failures);
      const { topic, partition } = payload.batch;
      this.options.logger.warn({ topic, partition, failures: failures + 1, delayMs, err: outcome.error }, `${what} failed; retrying`);
      if (!(await this.backOff(delayMs, payload))) return null;
    }
  }

  /** Keeps the membership alive while `work` runs, so a slow store does not cost the partition. */
  private async heartbeating<T>(payload: EachBatchPayload, work: () => Promise<T>): Promise<Outcome<T>> {
    let lost: unknown = null;
    const timer = setInterval(() => {
      payload.heartbeat().catch((error: unknown) => {
        lost ??= error;
      });
    }, HEARTBEAT_EVERY_MS);
    let outcome: Outcome<T>;
    try {
      outcome = { ok: true, value: await work() };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      clearInterval(timer);
    }
    if (lost !== null) throw lost;
    return outcome;
  }

  /** False as soon as the consumer is stopping or the batch went stale. */
  private async backOff(ms: number, payload: EachBatchPayload): Promise<boolean> {
    const until = Date.now() + ms;
    while (this.live(payload) && Date.now() < until) {
      // kafkajs sends one only every heartbeatInterval; calling often is cheap.
      await payload.heartbeat();
      await sleep(Math.min(WAKE_EVERY_MS, until - Date.now()), this.stopping.signal);
    }
    return this.live(payload);
  }

  private live(payload: EachBatchPayload): boolean {
    return !this.stopping.signal.aborted && payload.isRunning() && !payload.isStale();
  }
}

/** The persister returns the envelopes it was given; match by identity, else by message id. */
function sourceOf(rejection: Rejection, sources: Map<MessageEnvelope, KafkaMessage>): KafkaMessage | undefined {
  return sources.get(rejection.envelope) ?? [...sources].find(([e]) => envelopeId(e) === envelopeId(rejection.envelope))?.[1];
}
