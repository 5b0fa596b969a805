import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { Announcer } from '../../src/domain/announcer.js';
import { ChatFeeds } from '../../src/domain/chat-feed.js';
import { ChatOutbox } from '../../src/domain/chat-outbox.js';
import { ChatService } from '../../src/domain/chat-service.js';
import { messageCursor, parseMessageCursor, SEQ_MAX } from '../../src/domain/cursor.js';
import { DomainError } from '../../src/domain/errors.js';
import { EventCursors } from '../../src/domain/event-cursor.js';
import { LiveCheck } from '../../src/domain/live-check.js';
import { MessageService, type HistoryArgs, type HistoryPage } from '../../src/domain/message-service.js';
import { RateLimits } from '../../src/domain/rate-limits.js';
import { LocalEventLog } from '../../src/event-log/local-event-log.js';
import { LocalMembershipCache } from '../../src/membership/local-membership-cache.js';
import { silentLogger } from '../../src/observability/log.js';
import { LocalRateLimiter } from '../../src/rate-limit/local-rate-limiter.js';
import { LocalRealtimeBus } from '../../src/realtime/local-realtime-bus.js';
import { migrate, openRelational, type RelationalOrm } from '../../src/relational/orm.js';
import { SeededHistory } from '../support/seeded-history.js';
import { pgliteTarget } from '../support/targets.js';

/*
 * History paging as MessageService serves `messages(chatId, first, after,
 * last, before)`: the message cursor, and how the store's seq ranges become
 * Relay pages. PGlite in process, the in-process adapters around it.
 */

const codeOf = (error: unknown) => (error instanceof DomainError ? error.extensions.code : String(error));

describe('message cursors', () => {
  it('round-trips every seq from 0 to SEQ_MAX and is opaque (base64url)', () => {
    for (const seq of [0, 1, 42, 99_999, SEQ_MAX]) {
      const cursor = messageCursor(seq);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(parseMessageCursor(cursor)).toBe(seq);
    }
  });

  it('refuses what it never handed out: another tag, a seq past SEQ_MAX, a sign, junk, an oversized cursor', () => {
    const b64 = (text: string) => Buffer.from(text).toString('base64url');
    for (const cursor of [b64('c:1'), b64(`m:${SEQ_MAX + 1}`), b64('m:-1'), b64('m:1.5'), b64('m:'), 'not base64 !', 'A'.repeat(129)]) {
      expect(() => parseMessageCursor(cursor), cursor).toThrow(/Malformed message cursor/);
    }
  });
});

describe('history paging on pglite', () => {
  let storage: Awaited<ReturnType<typeof pgliteTarget.provision>>;
  let orm: RelationalOrm;
  let seeded: SeededHistory;
  let bus: LocalRealtimeBus;
  let messages: MessageService;
  let liveCheck: LiveCheck;
  let ada: string;
  let bob: string;

  beforeAll(async () => {
    storage = await pgliteTarget.provision();
    orm = await openRelational(storage);
    await migrate(orm);
    seeded = new SeededHistory(orm);
    bus = new LocalRealtimeBus();
    const { chats: chatRepo, users, store } = seeded;
    const log = new LocalEventLog();
    const limits = new RateLimits(new LocalRateLimiter(), loadConfig({}, { signsTokens: false }));
    const membership = new LocalMembershipCache(chatRepo);
    const chats = new ChatService(chatRepo, users, membership, bus, new Announcer(bus, 1000, silentLogger), limits, store, new ChatOutbox(chatRepo, log, silentLogger));
    liveCheck = new LiveCheck(chatRepo, 600_000, silentLogger);
    messages = new MessageService(chats, store, log, new ChatFeeds(bus, store, 50, silentLogger), limits, liveCheck, new EventCursors('history paging'), 5000);
    [ada, bob] = [await seeded.user(), await seeded.user()];
  });

  afterAll(async () => {
    liveCheck?.close();
    await bus?.close();
    await orm?.close();
    await storage?.dispose();
  });

  /** A chat of Ada and Bob holding messages 1..count. */
  async function chatOf(count: number): Promise<string> {
    const chatId = await seeded.group([ada, bob]);
    if (count > 0) await seeded.messages(chatId, Array.from({ length: count }, (_, i): [string, string] => [i % 2 ? bob : ada, new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()]));
    return chatId;
  }

  /** A page as seqs and its two flags. */
  async function page(chatId: string, args: HistoryArgs, viewer = ada): Promise<[number[], { next: boolean; previous: boolean }]> {
    const result: HistoryPage = await messages.history(viewer, chatId, args);
    return [result.messages.map((m) => m.seq), { next: result.hasNextPage, previous: result.hasPreviousPage }];
  }

  const upTo = (n: number, from = 1) => Array.from({ length: n - from + 1 }, (_, i) => from + i);

  it('an empty chat has one empty page, whichever way it is read', async () => {
    const chatId = await chatOf(0);
    const none = [[], { next: false, previous: false }];
    expect(await page(chatId, {})).toEqual(none);
    expect(await page(chatId, { first: 10 })).toEqual(none);
    expect(await page(chatId, { last: 10 })).toEqual(none);
    expect(await page(chatId, { last: 10, before: messageCursor(1) })).toEqual(none);
    expect(await page(chatId, { first: 10, after: messageCursor(0) })).toEqual(none);
  });

  it('without arguments: the oldest pageDefault (50) messages, oldest first', async () => {
    const chatId = await chatOf(51);
    expect(await page(chatId, {})).toEqual([upTo(50), { next: true, previous: false }]);
  });

  it('walks forward with first/after: each page oldest first, no message twice or missed, the flags right at every boundary', async () => {
    const chatId = await chatOf(7);
    const seen: number[] = [];
    const pages: [number[], { next: boolean; previous: boolean }][] = [];
    for (let after: string | null = null; ; ) {
      const [seqs, flags] = await page(chatId, { first: 3, after });
      pages.push([seqs, flags]);
      seen.push(...seqs);
      if (!flags.next) break;
      after = messageCursor(seqs.at(-1)!);
    }
    expect(pages).toEqual([
      [[1, 2, 3], { next: true, previous: false }],
      [[4, 5, 6], { next: true, previous: true }],
      [[7], { next: false, previous: true }],
    ]);
    expect(seen).toEqual(upTo(7));
  });

  it('a last page that ends exactly at the chat end says there is no next page', async () => {
    const chatId = await chatOf(6);
    expect(await page(chatId, { first: 3, after: messageCursor(3) })).toEqual([[4, 5, 6], { next: false, previous: true }]);
    expect(await page(chatId, { first: 3, after: messageCursor(6) })).toEqual([[], { next: false, previous: true }]);
  });

  it('walks backward with last/before from the newest: each page still oldest first, the flags right at every boundary', async () => {
    const chatId = await chatOf(7);
    const pages: [number[], { next: boolean; previous: boolean }][] = [];
    let [seqs, flags] = await page(chatId, { last: 3 });
    pages.push([seqs, flags]);
    while (flags.previous) {
      [seqs, flags] = await page(chatId, { last: 3, before: messageCursor(seqs[0]!) });
      pages.push([seqs, flags]);
    }
    expect(pages).toEqual([
      [[5, 6, 7], { next: false, previous: true }],
      [[2, 3, 4], { next: true, previous: true }],
      [[1], { next: true, previous: false }],
    ]);
  });

  it('before alone reads backward with the default size; after and before together bound a window', async () => {
    const chatId = await chatOf(60);
    expect(await page(chatId, { before: messageCursor(56) })).toEqual([upTo(55, 6), { next: true, previous: true }]);
    expect(await page(chatId, { first: 10, after: messageCursor(20), before: messageCursor(24) })).toEqual([[21, 22, 23], { next: false, previous: true }]);
    expect(await page(chatId, { last: 2, after: messageCursor(20), before: messageCursor(24) })).toEqual([[22, 23], { next: true, previous: true }]);
  });

  it('a cursor at SEQ_MAX or beyond the chat end reads up to the end without overflowing', async () => {
    const chatId = await chatOf(4);
    expect(await page(chatId, { last: 10, before: messageCursor(SEQ_MAX) })).toEqual([upTo(4), { next: false, previous: false }]);
    expect(await page(chatId, { last: 2, before: messageCursor(100) })).toEqual([[3, 4], { next: false, previous: true }]);
  });

  it('keeps a deleted message in its place: pages count it, its body is empty and deletedAt says why', async () => {
    const chatId = await chatOf(5);
    const [third] = await seeded.store.range(chatId, { afterSeq: 2, limit: 1, from: 'oldest' });
    const deleted = await seeded.store.change({ changeId: randomUUID(), chatId, messageId: third!.id, change: 'delete', body: null, acceptedAt: new Date() });
    expect(deleted.applied).toBe(true);
    const result = await messages.history(ada, chatId, { first: 3, after: messageCursor(1) });
    expect(result.messages.map((m) => [m.seq, m.body === '', m.deletedAt !== null])).toEqual([
      [2, false, false],
      [3, true, true],
      [4, false, false],
    ]);
    expect(result.hasNextPage).toBe(true);
  });

  it('a message cursor names a seq, not a chat: one from another chat pages this chat at that seq', async () => {
    const here = await chatOf(5);
    const elsewhere = await chatOf(9);
    const [seqs] = await page(elsewhere, { first: 3 });
    const cursor = messageCursor(seqs.at(-1)!);
    const result = await messages.history(ada, here, { first: 10, after: cursor });
    expect(result.messages.map((m) => [m.chatId, m.seq])).toEqual([
      [here, 4],
      [here, 5],
    ]);
  });

  it('refuses first with last, page sizes out of 1..pageMax, a malformed cursor, and anyone but a member', async () => {
    const chatId = await chatOf(3);
    const outsider = await seeded.user();
    const refusal = (args: HistoryArgs, viewer = ada) => messages.history(viewer, chatId, args).then(() => 'answered', codeOf);
    expect(await refusal({ first: 1, last: 1 })).toBe('BAD_USER_INPUT');
    expect(await refusal({ first: 0 })).toBe('BAD_USER_INPUT');
    expect(await refusal({ last: 101 })).toBe('BAD_USER_INPUT');
    expect(await refusal({ after: 'bogus' })).toBe('BAD_USER_INPUT');
    expect(await refusal({ before: Buffer.from('c:1').toString('base64url') })).toBe('BAD_USER_INPUT');
    expect(await refusal({}, outsider)).toBe('FORBIDDEN');
    expect(await messages.history(ada, randomUUID(), {}).then(() => 'answered', codeOf)).toBe('NOT_FOUND');
  });
});
