import { randomUUID } from 'node:crypto';
import type { Consumer, ConsumerRunConfig, EachBatchPayload, KafkaMessage, Message } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaBatchConsumer } from '../../src/event-log/kafka-batch-consumer.js';
import { DEAD_LETTER_COPY_BYTES, DEAD_LETTER_MAX_BYTES, envelopeRecord, parseDeadLetter } from '../../src/event-log/kafka-records.js';
import type { EnvelopeHandler, MessageEnvelope } from '../../src/event-log/port.js';
import { silentLogger } from '../../src/observability/log.js';

/**
 * The batch logic of the Kafka consumer (when offsets are resolved and
 * committed, retries, dead letters) against a scripted kafkajs batch payload.
 * kafkajs itself is not under test here; the broker-backed contract covers it.
 */

const chatId = randomUUID();
const envelope = (body: string): MessageEnvelope => ({
  messageId: randomUUID(),
  chatId,
  senderId: randomUUID(),
  body,
  clientId: randomUUID(),
  acceptedAt: new Date().toISOString(),
});

/** A fetched batch as kafkajs hands it over, and a record of what our code did with it. */
function scriptedBatch(values: (Buffer | null)[]) {
  const messages: KafkaMessage[] = values.map((value, i) => ({
    key: Buffer.from(chatId),
    value,
    offset: String(100 + i),
    timestamp: '0',
    attributes: 0,
    headers: {},
  }));
  const seen = { resolved: [] as string[], commits: 0, heartbeats: 0, running: true, heartbeatError: null as Error | null };
  const payload: EachBatchPayload = {
    batch: {
      topic: 'parley.messages',
      partition: 4,
      highWatermark: String(100 + values.length),
      messages,
      isEmpty: () => messages.length === 0,
      firstOffset: () => messages[0]?.offset ?? null,
      lastOffset: () => messages[messages.length - 1].offset,
      offsetLag: () => '0',
      offsetLagLow: () => '0',
    },
    resolveOffset: (offset) => void seen.resolved.push(offset),
    heartbeat: async () => {
      seen.heartbeats++;
      if (seen.heartbeatError) throw seen.heartbeatError;
    },
    pause: () => () => undefined,
    commitOffsetsIfNecessary: async () => {
      seen.commits++;
    },
    uncommittedOffsets: () => ({ topics: [] }),
    isRunning: () => seen.running,
    isStale: () => false,
  };
  return { payload, seen };
}

const valueOf = (e: MessageEnvelope) => Buffer.from(envelopeRecord(e).value as string);

const started: KafkaBatchConsumer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.stop()));
});

/** Starts a consumer on a stand-in kafkajs consumer and returns the eachBatch it registered. */
async function consumer(handler: EnvelopeHandler, options: { maxBatch?: number; deadLetters?: (record: Message) => Promise<void> } = {}) {
  let run: ConsumerRunConfig | undefined;
  const kafkaConsumer = {
    events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' },
    on: () => () => undefined,
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (config: ConsumerRunConfig) => {
      run = config;
    },
    disconnect: async () => undefined,
  } as unknown as Consumer;
  const letters: Message[] = [];
  const c = new KafkaBatchConsumer({
    kafka: { consumer: () => kafkaConsumer },
    topic: 'parley.messages',
    groupId: 'parley-persister',
    handler,
    deadLetters: { write: options.deadLetters ?? (async (record) => void letters.push(record)) },
    prepare: async () => undefined,
    logger: silentLogger,
    maxBatch: options.maxBatch ?? 500,
  });
  started.push(c);
  c.start();
  while (!run) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(run).toMatchObject({ eachBatchAutoResolve: false, autoCommit: true, autoCommitThreshold: 1 });
  return { eachBatch: run.eachBatch!, letters, stop: () => c.stop() };
}

describe('Kafka batch consumer', () => {
  it('hands the envelopes to the handler and resolves and commits the batch only after it succeeded', async () => {
    const sent = [envelope('one'), envelope('two')];
    const { payload, seen } = scriptedBatch(sent.map(valueOf));
    const resolvedDuringHandler: number[] = [];
    const { eachBatch } = await consumer(async (batch) => {
      expect(batch).toEqual(sent);
      resolvedDuringHandler.push(seen.resolved.length);
      return [];
    });
    await eachBatch(payload);
    expect(resolvedDuringHandler).toEqual([0]);
    expect(seen.resolved).toEqual(['101']);
    expect(seen.commits).toBe(1);
  });

  it('retries a failing handler with back-off and heartbeats, never skipping, then commits', async () => {
    const sent = [envelope('one')];
    const { payload, seen } = scriptedBatch(sent.map(valueOf));
    const calls: number[] = [];
    const { eachBatch } = await consumer(async (batch) => {
      calls.push(Date.now());
      expect(batch).toEqual(sent);
      if (calls.length < 3) throw new Error('the store is down');
      expect(seen.resolved).toEqual([]);
      return [];
    });
    await eachBatch(payload);
    expect(calls).toHaveLength(3);
    // 200 ms, then 400 ms (timers may fire a little early, never much).
    expect(calls[1] - calls[0]).toBeGreaterThanOrEqual(190);
    expect(calls[2] - calls[1]).toBeGreaterThanOrEqual(390);
    expect(seen.heartbeats).toBeGreaterThan(2);
    expect(seen.resolved).toEqual(['100']);
  });

  it('dead-letters rejections and unreadable records with the reason and source, then commits the slice', async () => {
    const good = envelope('good');
    const bad = envelope('bad');
    const { payload, seen } = scriptedBatch([valueOf(good), Buffer.from('garbage'), valueOf(bad)]);
    const handled: MessageEnvelope[] = [];
    const { eachBatch, letters } = await consumer(async (batch) => {
      handled.push(...batch);
      return batch.filter((e) => e.body === 'bad').map((e) => ({ envelope: e, reason: 'sender does not exist' }));
    });
    await eachBatch(payload);

    expect(handled).toEqual([good, bad]);
    const source = (offset: string) => ({ topic: 'parley.messages', partition: 4, offset });
    expect(letters.map((r) => ({ key: r.key, letter: parseDeadLetter(Buffer.from(r.value as string)) }))).toEqual([
      {
        key: Buffer.from(chatId),
        letter: { envelope: null, value: Buffer.from('garbage').toString('base64'), valueBytes: 7, reason: 'the record value is not JSON', rejectedAt: expect.any(String), source: source('101') },
      },
      {
        key: Buffer.from(chatId),
        letter: { envelope: bad, value: null, reason: 'sender does not exist', rejectedAt: expect.any(String), source: source('102') },
      },
    ]);
    expect(seen.resolved).toEqual(['102']);
  });

  it('writes no dead letter for a change a deletion made moot, and commits past it', async () => {
    const moot = envelope('edit of a deleted message');
    const { payload, seen } = scriptedBatch([valueOf(moot)]);
    const { eachBatch, letters } = await consumer(async (batch) => batch.map((e) => ({ envelope: e, reason: 'This message was deleted', code: 'CONFLICT' as const })));
    await eachBatch(payload);
    expect(letters).toEqual([]);
    expect(seen.resolved).toEqual(['100']);
  });

  it('caps what a dead letter copies of an oversized original, so the letter fits its topic', async () => {
    // Larger than Kafka's default 1 MiB max.message.bytes once base64-encoded into a letter.
    const garbage = Buffer.alloc(2 * 1024 * 1024, 'x');
    const huge = envelope('b'.repeat(2 * 1024 * 1024));
    const { payload, seen } = scriptedBatch([garbage, valueOf(huge)]);
    const { eachBatch, letters } = await consumer(async (batch) => batch.map((e) => ({ envelope: e, reason: 'the store refused it: '.padEnd(5000, '!') })));
    await eachBatch(payload);

    expect(letters).toHaveLength(2);
    for (const record of letters) expect(Buffer.byteLength(record.value as string)).toBeLessThanOrEqual(DEAD_LETTER_MAX_BYTES);
    const [unreadable, rejected] = letters.map((r) => parseDeadLetter(Buffer.from(r.value as string)));
    expect(unreadable).toMatchObject({ envelope: null, reason: 'the record value is not JSON', valueBytes: garbage.length, truncated: true });
    expect(Buffer.from(unreadable.value!, 'base64')).toEqual(garbage.subarray(0, DEAD_LETTER_COPY_BYTES));
    // Too large to copy whole: the start of the original record stands in for the envelope.
    const original = valueOf(huge);
    expect(rejected).toMatchObject({ envelope: null, valueBytes: original.length, truncated: true, source: { offset: '101' } });
    expect(Buffer.from(rejected.value!, 'base64')).toEqual(original.subarray(0, DEAD_LETTER_COPY_BYTES));
    expect(rejected.reason.startsWith('the store refused it: ')).toBe(true);
    expect(letters[1].headers?.['parley-reason']).toBe(rejected.reason);
    expect(seen.resolved).toEqual(['101']);
  });

  it('commits a slice of nothing but unreadable records without calling the handler', async () => {
    const { payload, seen } = scriptedBatch([null, Buffer.from('[]')]);
    let calls = 0;
    const { eachBatch, letters } = await consumer(async () => {
      calls++;
      return [];
    });
    await eachBatch(payload);
    expect(calls).toBe(0);
    expect(letters).toHaveLength(2);
    expect(seen.resolved).toEqual(['101']);
  });

  it('does not commit while the dead-letter topic cannot be written, and leaves the batch when stopped', async () => {
    const { payload, seen } = scriptedBatch([Buffer.from('garbage')]);
    let attempts = 0;
    const { eachBatch, stop } = await consumer(async () => [], {
      deadLetters: async () => {
        attempts++;
        throw new Error('Kafka is down');
      },
    });
    const handling = eachBatch(payload);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const stopping = Date.now();
    await stop();
    await handling;
    expect(Date.now() - stopping).toBeLessThan(1_000);
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(seen.resolved).toEqual([]);
    expect(seen.commits).toBe(0);
  });

  it('hands a lost heartbeat (the group rebalances) back to kafkajs without committing', async () => {
    const { payload, seen } = scriptedBatch([valueOf(envelope('one'))]);
    const rebalancing = Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
    const { eachBatch } = await consumer(async () => {
      seen.heartbeatError = rebalancing;
      throw new Error('the store is down');
    });
    await expect(eachBatch(payload)).rejects.toBe(rebalancing);
    expect(seen.resolved).toEqual([]);
  });

  it('handles a large fetch in slices of maxBatch, committing after each', async () => {
    const sent = Array.from({ length: 5 }, (_, i) => envelope(`m${i}`));
    const { payload, seen } = scriptedBatch(sent.map(valueOf));
    const sizes: number[] = [];
    const { eachBatch } = await consumer(
      async (batch) => {
        sizes.push(batch.length);
        return [];
      },
      { maxBatch: 2 },
    );
    await eachBatch(payload);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen.resolved).toEqual(['101', '103', '104']);
    expect(seen.commits).toBe(3);
  });
});

describe('Kafka batch consumer membership', () => {
  /** Stand-in kafkajs consumers, one per join attempt, whose CRASH listeners the test can fire. */
  function consumers() {
    const made: { runs: number; disconnects: number; crash(restart: boolean): void }[] = [];
    const kafka = {
      consumer: () => {
        const listeners = new Map<string, (event: unknown) => void>();
        const standIn = {
          runs: 0,
          disconnects: 0,
          crash: (restart: boolean) => listeners.get('consumer.crash')?.({ payload: { error: new Error('crashed'), restart } }),
        };
        made.push(standIn);
        return {
          events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' },
          on: (name: string, listener: (event: unknown) => void) => {
            listeners.set(name, listener);
            return () => undefined;
          },
          connect: async () => undefined,
          subscribe: async () => undefined,
          run: async () => {
            standIn.runs++;
          },
          disconnect: async () => {
            standIn.disconnects++;
          },
        } as unknown as Consumer;
      },
    };
    return { kafka, made };
  }

  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 5_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  it('keeps trying to join while topic setup fails, then runs', async () => {
    const { kafka, made } = consumers();
    let setups = 0;
    const c = new KafkaBatchConsumer({
      kafka,
      topic: 't',
      groupId: 'g',
      handler: async () => [],
      deadLetters: { write: async () => undefined },
      prepare: async () => {
        if (++setups < 3) throw new Error('Connection error: connect ECONNREFUSED');
      },
      logger: silentLogger,
      maxBatch: 500,
    });
    started.push(c);
    c.start();
    await until(() => made.some((m) => m.runs > 0));
    expect(setups).toBe(3);
    expect(made.map((m) => m.runs)).toEqual([0, 0, 1]);
    // Each failed attempt let go of its consumer.
    expect(made.slice(0, 2).map((m) => m.disconnects)).toEqual([1, 1]);
  });

  it('rejoins with a new consumer after a crash kafkajs does not restart from, and not after one it does', async () => {
    const { kafka, made } = consumers();
    const c = new KafkaBatchConsumer({
      kafka,
      topic: 't',
      groupId: 'g',
      handler: async () => [],
      deadLetters: { write: async () => undefined },
      prepare: async () => undefined,
      logger: silentLogger,
      maxBatch: 500,
    });
    started.push(c);
    c.start();
    await until(() => made.length === 1 && made[0].runs === 1);
    made[0].crash(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(made).toHaveLength(1);
    made[0].crash(false);
    await until(() => made.length === 2 && made[1].runs === 1);
    await c.stop();
    expect(made[1].disconnects).toBe(1);
  });
});
