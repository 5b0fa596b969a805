import type { Kafka, Message, Producer, ProducerConfig, ProducerRecord } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { TopicWriter } from '../../src/event-log/kafka-topic-writer.js';
import { silentLogger } from '../../src/observability/log.js';

/**
 * The write path's own rules (batching, order, the deadline, a fresh producer
 * after any failure) against stand-in kafkajs producers. Each stand-in does
 * what its script says with a send: acknowledge, fail, or never answer.
 */

type Script = 'ack' | 'fail' | 'hang';

interface Options {
  deadlineMs?: number;
  maxBatch?: number;
  maxBatchBytes?: number;
  /** Topic setup; by default it succeeds at once. */
  prepare?: () => Promise<void>;
  /** A producer's connect; by default it succeeds at once. */
  connect?: () => Promise<void>;
}

interface StandIn {
  config: ProducerConfig | undefined;
  sends: ProducerRecord[];
  disconnected: boolean;
}

function kafkaWith(scripts: Script[], connect: () => Promise<void> = async () => undefined) {
  const producers: StandIn[] = [];
  const kafka = {
    producer: (config?: ProducerConfig) => {
      const script = scripts[producers.length] ?? 'ack';
      const standIn: StandIn = { config, sends: [], disconnected: false };
      producers.push(standIn);
      return {
        connect,
        disconnect: async () => {
          standIn.disconnected = true;
        },
        send: (record: ProducerRecord) => {
          standIn.sends.push(record);
          if (script === 'fail') return Promise.reject(new Error('NOT_ENOUGH_REPLICAS'));
          if (script === 'hang') return new Promise(() => undefined);
          return Promise.resolve([]);
        },
      } as unknown as Producer;
    },
  } as unknown as Kafka;
  return { kafka, producers };
}

const record = (n: number, size = 10): Message => ({ key: `chat-${n % 3}`, value: `${n}`.padEnd(size, '.') });
const valuesOf = (sends: ProducerRecord[]) => sends.map((s) => s.messages.map((m) => m.value));

const writers: TopicWriter[] = [];
afterEach(async () => {
  await Promise.all(writers.splice(0).map((w) => w.close()));
});

function writer(scripts: Script[], options: Options = {}) {
  const { kafka, producers } = kafkaWith(scripts, options.connect);
  let prepared = 0;
  const w = new TopicWriter({
    kafka,
    topic: 'parley.messages',
    logger: silentLogger,
    prepare: async () => {
      prepared++;
      await options.prepare?.();
    },
    deadlineMs: options.deadlineMs ?? 1_000,
    failure: () => new Error('UNAVAILABLE'),
    maxBatch: options.maxBatch,
    maxBatchBytes: options.maxBatchBytes,
  });
  writers.push(w);
  return { w, producers, prepared: () => prepared };
}

describe('Kafka topic writer', () => {
  it('sends writes made together as one batch, in call order, idempotently with acks -1', async () => {
    const { w, producers, prepared } = writer(['ack']);
    await Promise.all(Array.from({ length: 5 }, (_, i) => w.write(record(i))));
    expect(producers).toHaveLength(1);
    expect(producers[0].config).toMatchObject({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    expect(producers[0].sends).toHaveLength(1);
    expect(producers[0].sends[0]).toMatchObject({ topic: 'parley.messages', acks: -1 });
    expect(valuesOf(producers[0].sends)).toEqual([[0, 1, 2, 3, 4].map((i) => record(i).value)]);
    expect(prepared()).toBe(1);
  });

  it('splits batches by count and by bytes, keeping the order', async () => {
    const { w, producers } = writer(['ack'], { maxBatch: 3, maxBatchBytes: 400 });
    await Promise.all([...Array.from({ length: 4 }, (_, i) => w.write(record(i))), w.write(record(4, 200)), w.write(record(5))]);
    const sizes = producers[0].sends.map((s) => s.messages.length);
    // 3: the count limit; 2: the next one would pass 400 bytes (records count ~81 bytes, the big one ~271).
    expect(sizes).toEqual([3, 2, 1]);
    expect(valuesOf(producers[0].sends).flat()).toEqual([0, 1, 2, 3, 4, 5].map((i) => record(i, i === 4 ? 200 : 10).value));
  });

  it('fails the writes of a failed send, and never sends on that producer again', async () => {
    const { w, producers, prepared } = writer(['fail', 'ack']);
    await expect(w.write(record(1))).rejects.toThrow('UNAVAILABLE');
    await expect(w.write(record(2))).resolves.toBeUndefined();
    expect(producers.map((p) => p.sends.length)).toEqual([1, 1]);
    expect(producers[0].disconnected).toBe(true);
    // Topic setup runs again before the new producer: a deleted topic comes back.
    expect(prepared()).toBe(2);
  });

  it('settles every write within the deadline when Kafka never answers, dropping what was still queued', async () => {
    const { w, producers } = writer(['hang', 'ack'], { deadlineMs: 200, maxBatch: 1 });
    const started = Date.now();
    const results = await Promise.allSettled([w.write(record(1)), w.write(record(2))]);
    expect(Date.now() - started).toBeLessThan(400);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);

    await expect(w.write(record(3))).resolves.toBeUndefined();
    expect(producers[0].disconnected).toBe(true);
    // Record 2 was told UNAVAILABLE while queued: it is never sent, on any producer.
    expect(valuesOf(producers.flatMap((p) => p.sends)).flat()).toEqual([record(1).value, record(3).value]);
  });

  it('never sends a write told UNAVAILABLE while topic setup outlasted its deadline', async () => {
    let setupDone!: () => void;
    const slowSetup = new Promise<void>((resolve) => (setupDone = resolve));
    const { w, producers } = writer(['ack'], { deadlineMs: 100, prepare: () => slowSetup });
    await expect(w.write(record(1))).rejects.toThrow('UNAVAILABLE');
    setupDone();
    // Later writes still go out, on a producer of their own; the timed-out one never does.
    await expect(w.write(record(2))).resolves.toBeUndefined();
    expect(valuesOf(producers.flatMap((p) => p.sends)).flat()).toEqual([record(2).value]);
  });

  it('never sends a write told UNAVAILABLE while the producer was still connecting', async () => {
    let connected!: () => void;
    const slowConnect = new Promise<void>((resolve) => (connected = resolve));
    const { w, producers } = writer(['ack', 'ack'], { deadlineMs: 100, connect: () => slowConnect });
    await expect(w.write(record(1))).rejects.toThrow('UNAVAILABLE');
    connected();
    await expect(w.write(record(2))).resolves.toBeUndefined();
    expect(valuesOf(producers.flatMap((p) => p.sends)).flat()).toEqual([record(2).value]);
  });

  it('sends only the writes of a batch that are still waiting once the producer is ready', async () => {
    let setupDone!: () => void;
    const slowSetup = new Promise<void>((resolve) => (setupDone = resolve));
    const { w, producers } = writer(['ack'], { deadlineMs: 150, prepare: () => slowSetup });
    const early = w.write(record(1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const late = w.write(record(2)); // queued behind the batch in setup: the next send
    await expect(early).rejects.toThrow('UNAVAILABLE');
    setupDone();
    await expect(late).resolves.toBeUndefined();
    expect(valuesOf(producers.flatMap((p) => p.sends)).flat()).toEqual([record(2).value]);
  });

  it('close() lets queued writes settle, disconnects, and refuses later writes', async () => {
    const { w, producers } = writer(['ack']);
    const pending = Array.from({ length: 3 }, (_, i) => w.write(record(i)));
    await w.close();
    await expect(Promise.all(pending)).resolves.toHaveLength(3);
    expect(producers[0].disconnected).toBe(true);
    await expect(w.write(record(9))).rejects.toThrow('UNAVAILABLE');
  });
});
