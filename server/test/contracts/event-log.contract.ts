import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventLog, MessageEnvelope, SendEnvelope } from '../../src/event-log/port.js';

/** A fresh log per test, not yet consuming: each test wires its own handler. */
export type EventLogFactory = () => Promise<EventLog>;

const chatA = randomUUID();
const chatB = randomUUID();
const chatC = randomUUID();
const sender = randomUUID();

export function envelope(chatId: string, body: string): SendEnvelope {
  const clientId = randomUUID();
  return { messageId: randomUUID(), chatId, senderId: sender, body, clientId, acceptedAt: new Date().toISOString() };
}

/** Lets other appends and timers run, so a log that acknowledges early is caught. */
export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `check` holds. A log that hands envelopes to the consumer after
 * acknowledging them (Kafka) gets time; one that never does fails here.
 */
export async function eventually(check: () => boolean, what = 'condition', ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(10);
  }
}

const bodiesIn = (chatId: string, list: MessageEnvelope[]) => list.filter((e) => e.chatId === chatId).map((e) => e.body);

/**
 * What every EventLog promises, whether it hands envelopes over before
 * acknowledging them (embedded) or after (Kafka).
 */
export function eventLogContract(name: string, factory: EventLogFactory): void {
  describe(`EventLog contract: ${name}`, () => {
    let log: EventLog;

    beforeEach(async () => {
      log = await factory();
    });

    afterEach(async () => {
      await log.close();
    });

    it('resolves an append and hands its envelope, unchanged, to the handler', async () => {
      const handled: MessageEnvelope[] = [];
      await log.consume(async (batch) => {
        handled.push(...batch);
        return [];
      });
      const e = envelope(chatA, 'hello');
      await expect(log.append(e)).resolves.toBeUndefined();
      await eventually(() => handled.length > 0, 'the envelope');
      expect(handled).toEqual([e]);
    });

    it('carries edits, deletions and system messages unchanged, in their chat’s order among sends', async () => {
      const chat = randomUUID();
      const handled: MessageEnvelope[] = [];
      await log.consume(async (batch) => {
        handled.push(...batch);
        return [];
      });
      const send = envelope(chat, 'to be edited');
      const change = (type: 'edit' | 'delete', body: string | null): MessageEnvelope => ({
        type,
        changeId: randomUUID(),
        messageId: send.messageId,
        chatId: chat,
        senderId: sender,
        body,
        acceptedAt: new Date().toISOString(),
      });
      const edit = change('edit', 'edited');
      const system: MessageEnvelope = { ...envelope(chat, ''), type: 'send', kind: 'MEMBER_JOINED', subjectId: randomUUID() };
      const reply: MessageEnvelope = { ...envelope(chat, 'a reply'), replyToId: send.messageId };
      const deletion = change('delete', null);
      const sequence = [send, edit, system, reply, deletion];
      for (const e of sequence) await log.append(e);
      await eventually(() => handled.filter((e) => e.chatId === chat).length >= sequence.length, 'every envelope of the chat');
      expect(handled.filter((e) => e.chatId === chat)).toEqual(sequence);
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
      await eventually(() => seen.length >= 600, '600 envelopes');

      expect(seen).toHaveLength(600);
      expect(new Set(seen.map((e) => e.messageId)).size).toBe(600);
      for (const chatId of chats) expect(bodiesIn(chatId, seen)).toEqual(bodiesIn(chatId, sent));
      expect(batchSizes.reduce((a, b) => a + b, 0)).toBe(600);
    });

    it('loses nothing to a handler failure: a resolved append is delivered again, a rejected one can be sent again', async () => {
      const deliveries: string[] = [];
      const stored: string[] = [];
      let failures = 0;
      await log.consume(async (batch) => {
        deliveries.push(...batch.map((e) => e.messageId));
        if (failures === 0 && batch.some((e) => e.body === 'poison')) {
          failures++;
          throw new Error('the store is down');
        }
        stored.push(...batch.map((e) => e.messageId));
        return [];
      });
      const sent = [envelope(chatA, 'before'), envelope(chatA, 'poison'), envelope(chatB, 'after')];
      const results = await Promise.allSettled(sent.map((e) => log.append(e)));
      // What a client does when its send fails: send the same message again (same clientId, same envelope).
      await Promise.all(sent.filter((_, i) => results[i].status === 'rejected').map((e) => log.append(e)));

      await eventually(() => sent.every((e) => stored.includes(e.messageId)), 'every envelope stored');
      expect(failures).toBe(1);
      expect(deliveries.filter((id) => id === sent[1].messageId)).toHaveLength(2);

      const later = envelope(chatA, 'later');
      await expect(log.append(later)).resolves.toBeUndefined();
      await eventually(() => stored.includes(later.messageId), 'the later envelope');
    });

    it('does not let a rejected envelope stop later ones, nor delivers it again', async () => {
      const delivered: MessageEnvelope[] = [];
      await log.consume(async (batch) => {
        delivered.push(...batch);
        return batch.filter((e) => e.body === 'bad').map((e) => ({ envelope: e, reason: 'it cannot be stored' }));
      });
      const sent = [envelope(chatA, 'good 1'), envelope(chatA, 'bad'), envelope(chatA, 'good 2')];
      await Promise.allSettled(sent.map((e) => log.append(e)));
      const later = envelope(chatA, 'later');
      await expect(log.append(later)).resolves.toBeUndefined();

      await eventually(() => delivered.some((e) => e.messageId === later.messageId), 'the later envelope');
      expect(delivered.map((e) => e.body)).toEqual(['good 1', 'bad', 'good 2', 'later']);
    });

    it('close() lets every accepted append finish, then rejects new appends as UNAVAILABLE', async () => {
      await log.consume(async () => {
        await pause(10);
        return [];
      });
      const sent = Array.from({ length: 20 }, (_, i) => envelope(chatA, `m${i}`));
      const settled: PromiseSettledResult<void>[] = [];
      const appends = sent.map((e) =>
        log.append(e).then(
          (value) => settled.push({ status: 'fulfilled', value }),
          (reason: unknown) => settled.push({ status: 'rejected', reason }),
        ),
      );

      await log.close();
      expect(settled).toHaveLength(20);
      expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
      await Promise.all(appends);

      await expect(log.append(envelope(chatA, 'too late'))).rejects.toMatchObject({ extensions: { code: 'UNAVAILABLE' } });
    });
  });
}

/**
 * What an embedded log adds: the consumer runs before an append is
 * acknowledged, so a resolved send is already stored and a failed one is the
 * sender's to retry.
 */
export function acknowledgeAfterHandlingContract(name: string, factory: EventLogFactory): void {
  describe(`EventLog that acknowledges after handling: ${name}`, () => {
    let log: EventLog;

    beforeEach(async () => {
      log = await factory();
    });

    afterEach(async () => {
      await log.close();
    });

    it('resolves each append only after the handler has finished with its envelope', async () => {
      const handled = new Set<string>();
      await log.consume(async (batch) => {
        await pause(20);
        for (const e of batch) handled.add(e.messageId);
        return [];
      });
      const sent = Array.from({ length: 50 }, (_, i) => envelope(i % 2 ? chatA : chatB, `m${i}`));
      const early: string[] = [];
      await Promise.all(
        sent.map((e) =>
          log.append(e).then(() => {
            if (!handled.has(e.messageId)) early.push(e.messageId);
          }),
        ),
      );
      expect(early).toEqual([]);
      expect(handled.size).toBe(50);
    });

    it('rejects the appends of a failed batch with the handler error and keeps accepting later appends', async () => {
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

    it('close() waits until the handler has every accepted envelope, then rejects new appends', async () => {
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
