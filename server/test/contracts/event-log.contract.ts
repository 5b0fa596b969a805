import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventLog, MessageEnvelope } from '../../src/event-log/port.js';

/** A fresh log per test, not yet consuming: each test wires its own handler. */
export type EventLogFactory = () => Promise<EventLog>;

const chatA = randomUUID();
const chatB = randomUUID();
const chatC = randomUUID();
const sender = randomUUID();

export function envelope(chatId: string, body: string): MessageEnvelope {
  const clientId = randomUUID();
  return { messageId: randomUUID(), chatId, senderId: sender, body, clientId, acceptedAt: new Date().toISOString() };
}

/** Lets other appends and timers run, so a log that acknowledges early is caught. */
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function eventLogContract(name: string, factory: EventLogFactory): void {
  describe(`EventLog contract: ${name}`, () => {
    let log: EventLog;

    beforeEach(async () => {
      log = await factory();
    });

    afterEach(async () => {
      await log.close();
    });

    it('resolves an append only after the handler has finished with its envelope', async () => {
      const handled: string[] = [];
      await log.consume(async (batch) => {
        await pause(20);
        handled.push(...batch.map((e) => e.messageId));
        return [];
      });
      const e = envelope(chatA, 'hello');
      await log.append(e);
      expect(handled).toEqual([e.messageId]);
    });

    it('keeps per-chat order across many concurrent appends', async () => {
      const seen: MessageEnvelope[] = [];
      const batchSizes: number[] = [];
      await log.consume(async (batch) => {
        batchSizes.push(batch.length);
        await pause(1);
        seen.push(...batch);
        return [];
      });
      const chats = [chatA, chatB, chatC];
      const sent = Array.from({ length: 600 }, (_, i) => envelope(chats[i % 3], `m${i}`));
      await Promise.all(sent.map((e) => log.append(e)));

      expect(seen).toHaveLength(600);
      expect(new Set(seen.map((e) => e.messageId)).size).toBe(600);
      for (const chatId of chats) {
        const bodies = (list: MessageEnvelope[]) => list.filter((e) => e.chatId === chatId).map((e) => e.body);
        expect(bodies(seen)).toEqual(bodies(sent));
      }
      expect(batchSizes.reduce((a, b) => a + b, 0)).toBe(600);
    });

    it('rejects the appends of a failed batch and keeps accepting later appends', async () => {
      const batches: { ids: string[]; failed: boolean }[] = [];
      const failure = new Error('handler failed');
      await log.consume(async (batch) => {
        const failed = batch.some((e) => e.body === 'poison');
        batches.push({ ids: batch.map((e) => e.messageId), failed });
        if (failed) throw failure;
        return [];
      });
      const sent = [envelope(chatA, 'before'), envelope(chatA, 'poison'), envelope(chatB, 'after')];
      const results = await Promise.allSettled(sent.map((e) => log.append(e)));

      expect(results[1]).toEqual({ status: 'rejected', reason: failure });
      sent.forEach((e, i) => {
        const failed = batches.find((b) => b.ids.includes(e.messageId))!.failed;
        expect(results[i].status).toBe(failed ? 'rejected' : 'fulfilled');
      });

      const later = envelope(chatA, 'later');
      await expect(log.append(later)).resolves.toBeUndefined();
      expect(batches.at(-1)).toEqual({ ids: [later.messageId], failed: false });
    });

    it('close() waits for every accepted envelope, then rejects new appends', async () => {
      const handled: string[] = [];
      await log.consume(async (batch) => {
        await pause(10);
        handled.push(...batch.map((e) => e.messageId));
        return [];
      });
      const sent = Array.from({ length: 20 }, (_, i) => envelope(chatA, `m${i}`));
      const settled: string[] = [];
      const appends = sent.map((e) => log.append(e).then(() => settled.push(e.messageId)));

      await log.close();
      expect(handled).toEqual(sent.map((e) => e.messageId));
      expect(settled).toHaveLength(20);
      await Promise.all(appends);

      await expect(log.append(envelope(chatA, 'too late'))).rejects.toMatchObject({ extensions: { code: 'UNAVAILABLE' } });
      expect(handled).toHaveLength(20);
    });

    it('rejects an append made before anything consumes', async () => {
      await expect(log.append(envelope(chatA, 'early'))).rejects.toMatchObject({ extensions: { code: 'UNAVAILABLE' } });
    });
  });
}
