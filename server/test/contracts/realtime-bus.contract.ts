import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BusSubscription, RealtimeBus } from '../../src/realtime/port.js';
import { chatChannel, testChannel, type Channel, type ChatEvent } from '../../src/realtime/events.js';
import { storedMessage } from '../support/stored-message.js';

export type RealtimeBusFactory = () => Promise<RealtimeBus>;

/** Channels are unique per test so adapters sharing a server cannot cross-talk. */
const channel = <T = any>(): Channel<T> => testChannel<T>(`test.${randomUUID()}`);

async function take<T>(sub: BusSubscription<T>, count: number): Promise<T[]> {
  const iterator = sub[Symbol.asyncIterator]();
  const values: T[] = [];
  while (values.length < count) {
    const next = await iterator.next();
    if (next.done) throw new Error(`subscription ended after ${values.length}/${count} values`);
    values.push(next.value);
  }
  return values;
}

/** Fails instead of hanging when an adapter never ends an iteration. */
function within<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function realtimeBusContract(name: string, factory: RealtimeBusFactory): void {
  describe(`RealtimeBus contract: ${name}`, () => {
    let bus: RealtimeBus;

    beforeEach(async () => {
      bus = await factory();
    });

    afterEach(async () => {
      await bus.close();
    });

    it('delivers what is published right after subscribe resolves', async () => {
      const ch = channel();
      const sub = await bus.subscribe<number>(ch);
      await bus.publish(ch, 1);
      expect(await within(take(sub, 1))).toEqual([1]);
      sub.close();
    });

    it('delivers every message once, in order, to every subscriber of the channel', async () => {
      const ch = channel();
      const subs = await Promise.all([1, 2, 3].map(() => bus.subscribe<{ n: number }>(ch)));
      for (let n = 1; n <= 100; n++) await bus.publish(ch, { n });
      await bus.publish(ch, { n: -1 });
      const expected = [...Array.from({ length: 100 }, (_, i) => ({ n: i + 1 })), { n: -1 }];
      // The end marker arriving right after 100 proves nothing was delivered twice.
      for (const sub of subs) expect(await within(take(sub, 101))).toEqual(expected);
    });

    it('delivers in call order what is published without waiting for each', async () => {
      const ch = channel();
      const sub = await bus.subscribe<{ n: number }>(ch);
      const expected = Array.from({ length: 100 }, (_, i) => ({ n: i + 1 }));
      // The persister publishes a batch this way.
      await Promise.all(expected.map((payload) => bus.publish(ch, payload)));
      expect(await within(take(sub, 100))).toEqual(expected);
      sub.close();
    });

    it('carries the vocabulary’s types: a stored message arrives with its dates as Dates', async () => {
      const chatId = randomUUID();
      const createdAt = new Date('2026-12-02T10:00:00.123Z');
      const message = storedMessage({ id: randomUUID(), chatId, seq: 7, senderId: randomUUID(), body: 'hi', clientId: 'c', createdAt, editedAt: new Date(createdAt.getTime() + 5) });
      const event: ChatEvent = { type: 'messageStored', message, chat: { chatId, lastSeq: 7, lastMessageId: message.id, updatedAt: createdAt } };
      const sub = await bus.subscribe(chatChannel(chatId));
      await bus.publish(chatChannel(chatId), event);
      const [received] = await within(take(sub, 1));
      expect(received).toEqual(event);
      expect(received.type === 'messageStored' && received.message.createdAt).toBeInstanceOf(Date);
      expect(received.type === 'messageStored' && received.message.editedAt).toBeInstanceOf(Date);
      sub.close();
    });

    it('hands every subscriber of a channel the same decoded object (what shared executions key on)', async () => {
      const ch = channel<{ n: number }>();
      const [first, second] = await Promise.all([bus.subscribe(ch), bus.subscribe(ch)]);
      await bus.publish(ch, { n: 1 });
      const [[a], [b]] = await Promise.all([within(take(first, 1)), within(take(second, 1))]);
      expect(a).toBe(b);
    });

    it('does not deliver to subscribers of other channels', async () => {
      const [a, b] = [channel(), channel()];
      const subB = await bus.subscribe<string>(b);
      await bus.publish(a, 'for a');
      await bus.publish(b, 'for b');
      expect(await within(take(subB, 1))).toEqual(['for b']);
    });

    it('ends the iteration of a closed subscription, including a pending read', async () => {
      const ch = channel();
      const sub = await bus.subscribe<string>(ch);
      const iterator = sub[Symbol.asyncIterator]();
      const pending = iterator.next();
      sub.close();
      expect(await within(pending)).toEqual({ value: undefined, done: true });

      const other = await bus.subscribe<string>(ch);
      await bus.publish(ch, 'after close');
      expect(await within(take(other, 1))).toEqual(['after close']);
      expect(await within(iterator.next())).toEqual({ value: undefined, done: true });
    });

    it('drops what a closed subscription had not read yet', async () => {
      const ch = channel();
      const sub = await bus.subscribe<string>(ch);
      const probe = await bus.subscribe<string>(ch);
      await bus.publish(ch, 'unread');
      await within(take(probe, 1));
      sub.close();
      expect(await within(sub[Symbol.asyncIterator]().next())).toEqual({ value: undefined, done: true });
    });

    it('keeps a subscriber that lags by exactly 10,000 messages', async () => {
      const ch = channel();
      const slow = await bus.subscribe<number>(ch);
      for (let n = 0; n < 10_000; n++) await bus.publish(ch, n);
      const values = await within(take(slow, 10_000), 30_000);
      expect(values[0]).toBe(0);
      expect(values[9_999]).toBe(9_999);
      slow.close();
    });

    it('cuts off a subscriber that falls more than 10,000 messages behind, and only that one', async () => {
      const ch = channel();
      const slow = await bus.subscribe<number>(ch);
      const fast = await bus.subscribe<number>(ch);
      const fastRead = take(fast, 10_001);
      for (let n = 0; n < 10_001; n++) await bus.publish(ch, n);
      expect((await within(fastRead, 30_000)).at(-1)).toBe(10_000);

      // An adapter may hand out what it had buffered first; it must still end in the error.
      let read = 0;
      const error = await within(
        (async () => {
          try {
            for await (const _ of slow) read++;
          } catch (error) {
            return error;
          }
          throw new Error('iteration ended without an error');
        })(),
      );
      expect(error).toMatchObject({ extensions: { code: 'UNAVAILABLE' } });
      expect(read).toBeLessThanOrEqual(10_000);
      fast.close();
    });

    it('close() of the bus ends every subscription', async () => {
      const subs = await Promise.all([channel(), channel(), channel()].map((ch) => bus.subscribe<string>(ch)));
      const pending = subs.map((sub) => sub[Symbol.asyncIterator]().next());
      await bus.close();
      expect(await within(Promise.all(pending))).toEqual(subs.map(() => ({ value: undefined, done: true })));
    });
  });
}
