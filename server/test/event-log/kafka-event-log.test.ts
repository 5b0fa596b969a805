import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPEND_DEADLINE_MS } from '../../src/config/tuning.js';
import { KafkaEventLog } from '../../src/event-log/kafka-event-log.js';
import type { MessageEnvelope } from '../../src/event-log/port.js';
import { silentLogger } from '../../src/observability/log.js';
import { refusingBroker, silentBroker, type UnreachableKafka } from '../support/unreachable-kafka.js';

const envelope = (): MessageEnvelope => ({
  messageId: randomUUID(),
  chatId: randomUUID(),
  senderId: randomUUID(),
  body: 'hello',
  clientId: randomUUID(),
  acceptedAt: new Date().toISOString(),
});

const UNAVAILABLE = { extensions: { code: 'UNAVAILABLE' } };

for (const [name, broker] of [
  ['refuses connections', refusingBroker],
  ['never answers', silentBroker],
] as const) {
  describe(`KafkaEventLog when Kafka ${name}`, () => {
    let kafka: UnreachableKafka;
    const open = () => new KafkaEventLog({ brokers: [kafka.address], partitions: 3, logger: silentLogger });

    beforeAll(async () => {
      kafka = await broker();
    });
    afterAll(async () => {
      await kafka.stop();
    });

    it('fails appends and pings as UNAVAILABLE in time, and keeps failing them (no hang after the first)', async () => {
      const log = open();
      try {
        for (let round = 0; round < 2; round++) {
          const started = Date.now();
          await expect(log.append(envelope())).rejects.toMatchObject(UNAVAILABLE);
          expect(Date.now() - started).toBeLessThanOrEqual(APPEND_DEADLINE_MS + 250);
        }
        const started = Date.now();
        await expect(log.ping()).rejects.toThrow();
        expect(Date.now() - started).toBeLessThan(3_000);
      } finally {
        await log.close();
      }
    });

    it('starts consuming without waiting for Kafka, and stops promptly', async () => {
      const log = open();
      const started = Date.now();
      await log.consume(async () => []);
      expect(Date.now() - started).toBeLessThan(100);
      // Let the consumer try (and fail) to join at least once.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const closing = Date.now();
      await log.close();
      expect(Date.now() - closing).toBeLessThan(12_000);
    });

    it('close() waits for the appends in flight to settle, then refuses new ones', async () => {
      const log = open();
      let settledAt = 0;
      const inFlight = log.append(envelope()).finally(() => {
        settledAt = Date.now();
      });
      inFlight.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 10));
      await log.close();
      const closedAt = Date.now();
      expect(settledAt).toBeGreaterThan(0);
      expect(settledAt).toBeLessThanOrEqual(closedAt);
      await expect(inFlight).rejects.toMatchObject(UNAVAILABLE);
      await expect(log.append(envelope())).rejects.toMatchObject(UNAVAILABLE);
      await expect(log.ping()).rejects.toMatchObject(UNAVAILABLE);
    });
  });
}
