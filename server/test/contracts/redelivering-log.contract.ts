import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageEnvelope } from '../../src/event-log/port.js';
import type { KafkaLogSubject } from '../support/kafka.js';
import { envelope, eventually } from './event-log.contract.js';

const bodies = (list: MessageEnvelope[]) => list.map((e) => e.body);
/** A batch may be handled again after a retry or a rebalance; order is about first arrivals. */
const firstArrivals = (list: MessageEnvelope[]) => list.filter((e, i) => list.findIndex((x) => x.messageId === e.messageId) === i);

/**
 * What a log that acknowledges before handling (Kafka) adds: what it
 * acknowledged outlives the process, failures are retried rather than handed
 * back to the sender, and what can never be stored goes to a dead-letter topic
 * with the reason while the partition moves on.
 */
export function redeliveringLogContract(name: string, subject: () => Promise<KafkaLogSubject>): void {
  describe(`EventLog that redelivers: ${name}`, () => {
    let s: KafkaLogSubject;
    const chatId = randomUUID();

    beforeEach(async () => {
      s = await subject();
    });

    afterEach(async () => {
      await s.close();
    });

    it('accepts appends while nothing consumes and delivers them, in order, once a persister joins', async () => {
      const sent = [envelope(chatId, 'one'), envelope(chatId, 'two'), envelope(chatId, 'three')];
      for (const e of sent) await s.log.append(e);
      const seen: MessageEnvelope[] = [];
      await s.log.consume(async (batch) => {
        seen.push(...batch);
        return [];
      });
      await eventually(() => seen.length >= 3, 'the envelopes appended before consuming');
      expect(seen).toEqual(sent);
    });

    it('retries a failing batch until it succeeds, and stores nothing of the chat past it meanwhile', async () => {
      const stored: MessageEnvelope[] = [];
      let failures = 0;
      await s.log.consume(async (batch) => {
        if (failures < 3 && batch.some((e) => e.body === 'poison')) {
          failures++;
          throw new Error('the store is down');
        }
        stored.push(...batch);
        return [];
      });
      const sent = [envelope(chatId, 'before'), envelope(chatId, 'poison')];
      for (const e of sent) await expect(s.log.append(e)).resolves.toBeUndefined();
      const later = envelope(chatId, 'later');
      await s.log.append(later);

      await eventually(() => stored.some((e) => e.messageId === later.messageId), 'the later envelope');
      expect(failures).toBe(3);
      expect(bodies(firstArrivals(stored))).toEqual(['before', 'poison', 'later']);
    });

    it('puts a rejected envelope in the dead-letter topic with the reason and moves on', async () => {
      const letters = await s.readDeadLetters();
      const delivered: MessageEnvelope[] = [];
      await s.log.consume(async (batch) => {
        delivered.push(...batch);
        return batch.filter((e) => e.body === 'bad').map((e) => ({ envelope: e, reason: `chat ${e.chatId} does not exist` }));
      });
      const bad = envelope(chatId, 'bad');
      const good = envelope(chatId, 'good');
      await s.log.append(bad);
      await s.log.append(good);

      await eventually(() => letters.length > 0 && delivered.some((e) => e.messageId === good.messageId), 'the dead letter');
      expect(letters).toEqual([
        {
          envelope: bad,
          value: null,
          reason: `chat ${chatId} does not exist`,
          rejectedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          source: { topic: s.log.topic, partition: expect.any(Number), offset: expect.stringMatching(/^\d+$/) },
        },
      ]);
      expect(bodies(delivered)).toEqual(['bad', 'good']);
    });

    it('dead-letters a record that is not an envelope without stopping its partition', async () => {
      const letters = await s.readDeadLetters();
      const delivered: MessageEnvelope[] = [];
      await s.log.consume(async (batch) => {
        delivered.push(...batch);
        return [];
      });
      await s.log.append(envelope(chatId, 'before'));
      await s.appendRaw(chatId, Buffer.from('not json {'));
      await s.log.append(envelope(chatId, 'after'));

      await eventually(() => letters.length > 0 && delivered.length >= 2, 'the dead letter and both envelopes');
      expect(bodies(delivered)).toEqual(['before', 'after']);
      expect(letters).toEqual([
        expect.objectContaining({ envelope: null, value: Buffer.from('not json {').toString('base64'), reason: 'the record value is not JSON' }),
      ]);
    });

    it('keeps what it acknowledged for the next persister of the group, across a close', async () => {
      const first: string[] = [];
      await s.log.consume(async (batch) => {
        first.push(...batch.map((e) => e.messageId));
        return [];
      });
      const sent = Array.from({ length: 20 }, (_, i) => envelope(chatId, `m${i}`));
      await Promise.all(sent.map((e) => s.log.append(e)));
      await s.log.close();

      const next = s.reopen();
      const second: MessageEnvelope[] = [];
      await next.consume(async (batch) => {
        second.push(...batch);
        return [];
      });
      await eventually(() => sent.every((e) => first.includes(e.messageId) || second.some((x) => x.messageId === e.messageId)), 'every envelope');
      // Whatever the first one had not committed comes next, in order.
      const rest = sent.filter((e) => !first.includes(e.messageId));
      const restIds = new Set(rest.map((e) => e.messageId));
      expect(bodies(firstArrivals(second).filter((e) => restIds.has(e.messageId)))).toEqual(bodies(rest));
    });

    it('shares the partitions between two persisters of the group, each chat in order', async () => {
      const seen: MessageEnvelope[] = [];
      const handler = async (batch: MessageEnvelope[]) => {
        seen.push(...batch);
        return [];
      };
      const second = s.reopen();
      await s.log.consume(handler);
      await second.consume(handler);
      const chats = Array.from({ length: 12 }, () => randomUUID());
      const sent = Array.from({ length: 240 }, (_, i) => envelope(chats[i % chats.length], `m${i}`));
      await Promise.all(sent.map((e) => s.log.append(e)));

      await eventually(() => sent.every((e) => seen.some((x) => x.messageId === e.messageId)), 'every envelope', 60_000);
      const firsts = firstArrivals(seen);
      for (const chat of chats) {
        expect(bodies(firsts.filter((e) => e.chatId === chat))).toEqual(bodies(sent.filter((e) => e.chatId === chat)));
      }
    });
  });
}
