import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalEventLog } from '../../src/event-log/local-event-log.js';
import type { MessageEnvelope } from '../../src/event-log/port.js';
import { KafkaTestbed, kafkaBrokers } from '../support/kafka.js';
import { acknowledgeAfterHandlingContract, envelope, eventLogContract } from './event-log.contract.js';
import { redeliveringLogContract } from './redelivering-log.contract.js';

eventLogContract('local', async () => new LocalEventLog());
acknowledgeAfterHandlingContract('local', async () => new LocalEventLog());

if (kafkaBrokers) {
  const testbed = new KafkaTestbed(kafkaBrokers);
  afterAll(() => testbed.dispose());
  eventLogContract('kafka', () => testbed.openLog());
  redeliveringLogContract('kafka', () => testbed.subject());
} else {
  describe.skip('kafka adapter: skipped, KAFKA_BROKERS is not set', () => it.skip('contract'));
}

describe('LocalEventLog batching', () => {
  it('groups appends that arrive while a batch is handled, never above maxBatch', async () => {
    const log = new LocalEventLog(50);
    const sizes: number[] = [];
    await log.consume(async (batch: MessageEnvelope[]) => {
      sizes.push(batch.length);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return [];
    });
    const chatId = randomUUID();
    await Promise.all(Array.from({ length: 120 }, (_, i) => log.append(envelope(chatId, `m${i}`))));
    await log.close();
    // All 120 arrive in one tick: one yield collects them, then maxBatch splits them.
    expect(sizes).toEqual([50, 50, 20]);
  });
});

describe('LocalEventLog rejections', () => {
  it('fails only the appends the handler rejects, with the reason, as BAD_USER_INPUT', async () => {
    const log = new LocalEventLog();
    await log.consume(async (batch: MessageEnvelope[]) =>
      batch.filter((e) => e.body === 'bad').map((e) => ({ envelope: e, reason: 'chat does not exist' })),
    );
    const chatId = randomUUID();
    const [good, bad] = await Promise.allSettled([log.append(envelope(chatId, 'good')), log.append(envelope(chatId, 'bad'))]);
    expect(good.status).toBe('fulfilled');
    expect(bad).toMatchObject({ status: 'rejected', reason: { extensions: { code: 'BAD_USER_INPUT' } } });
    expect((bad as PromiseRejectedResult).reason.message).toContain('chat does not exist');
    await log.close();
  });
});
