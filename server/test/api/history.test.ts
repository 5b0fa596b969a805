import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeMessages, TestServer } from '../support/server.js';
import { relationalTargets } from '../support/targets.js';
import { directChat, send, signup, type TestUser } from '../support/users.js';

const PAGE = `query ($c: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  messages(chatId: $c, first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { seq body } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

describe.each(relationalTargets)('history, idempotency and resume on $name', (target) => {
  let server: TestServer;
  let ada: TestUser;
  let bob: TestUser;
  let chatId: string;
  const TOTAL = 250;

  beforeAll(async () => {
    server = await TestServer.start(target);
    ada = await signup(server);
    bob = await signup(server);
    chatId = await directChat(server, ada, bob);
    // Concurrent in small waves: the log batches them, seq still follows acceptance.
    for (let i = 0; i < TOTAL; i += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, k) => send(server, k % 2 ? bob : ada, chatId, `message ${i + k + 1}`)));
    }
  });
  afterAll(async () => {
    await server?.stop();
  });

  it(`pages ${TOTAL} messages forward with first/after, with no gap and no overlap`, async () => {
    const seqs: number[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: any = (await server.ok(PAGE, { c: chatId, first: 40, after }, bob.token)).messages;
      pages++;
      seqs.push(...page.edges.map((e: any) => e.node.seq));
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(Math.ceil(TOTAL / 40));
    expect(seqs).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
  });

  it(`pages ${TOTAL} messages backward with last/before, each page oldest → newest`, async () => {
    const pages: number[][] = [];
    let before: string | null = null;
    for (;;) {
      const page: any = (await server.ok(PAGE, { c: chatId, last: 100, before }, ada.token)).messages;
      const seqs = page.edges.map((e: any) => e.node.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(page.pageInfo.hasNextPage).toBe(before !== null);
      pages.push(seqs);
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    expect(pages.reverse().flat()).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
  });

  it('answers hasNextPage for last/before from the page query: true inside the chat, false past its end', async () => {
    const cursor = (seq: number) => Buffer.from(`m:${seq}`).toString('base64url');
    const inside = (await server.ok(PAGE, { c: chatId, last: 3, before: cursor(TOTAL) }, ada.token)).messages;
    expect(inside.edges.map((e: any) => e.node.seq)).toEqual([TOTAL - 3, TOTAL - 2, TOTAL - 1]);
    expect(inside.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const pastEnd = (await server.ok(PAGE, { c: chatId, last: 3, before: cursor(TOTAL + 2) }, ada.token)).messages;
    expect(pastEnd.edges.map((e: any) => e.node.seq)).toEqual([TOTAL - 2, TOTAL - 1, TOTAL]);
    expect(pastEnd.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const first = (await server.ok(PAGE, { c: chatId, last: 5, before: cursor(3) }, ada.token)).messages;
    expect(first.edges.map((e: any) => e.node.seq)).toEqual([1, 2]);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('defaults to 50 from the oldest, and supports a window between two cursors', async () => {
    const first = (await server.ok(PAGE, { c: chatId }, ada.token)).messages;
    expect(first.edges).toHaveLength(50);
    expect(first.edges.map((e: any) => e.node.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const window = (await server.ok(PAGE, { c: chatId, after: first.edges[9].cursor, before: first.edges[20].cursor }, ada.token)).messages;
    expect(window.edges.map((e: any) => e.node.seq)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  });

  it('stores a resend with the same clientId once, even when retried concurrently', async () => {
    const before = (await server.ok(`query ($id: ID!) { chat(id: $id) { lastSeq } }`, { id: chatId }, ada.token)).chat.lastSeq;
    const results = await Promise.all(Array.from({ length: 6 }, () => send(server, ada, chatId, 'exactly once', 'client-key-1')));
    const again = await send(server, ada, chatId, 'exactly once', 'client-key-1');
    expect(new Set([...results, again].map((r) => r.messageId)).size).toBe(1);
    expect(again.clientId).toBe('client-key-1');

    const tail = (await server.ok(PAGE, { c: chatId, last: 5 }, ada.token)).messages.edges.map((e: any) => e.node);
    expect(tail.filter((m: any) => m.body === 'exactly once')).toHaveLength(1);
    expect(tail.at(-1)).toEqual({ seq: before + 1, body: 'exactly once' });
    // The same clientId from another sender is a different message.
    const bobs = await send(server, bob, chatId, 'mine', 'client-key-1');
    expect(bobs.messageId).not.toBe(again.messageId);
  });

  it('a subscriber that reconnects with afterSeq gets exactly the missed messages, then live ones', async () => {
    const ws1 = server.wsClient(bob.token);
    const live = subscribeMessages(ws1, chatId, TOTAL - 2);
    const seen = await live.waitFor(2);
    expect(seen.map((m) => m.seq)).toEqual([TOTAL - 1, TOTAL]);
    const lastSeen = (await live.waitFor(live.events.length)).at(-1)!.seq;
    live.close();
    await ws1.dispose();

    // Offline: three messages go by.
    const missed = [];
    for (let i = 1; i <= 3; i++) missed.push(await send(server, ada, chatId, `while away ${i}`));
    const lastSeq = (await server.ok(`query ($id: ID!) { chat(id: $id) { lastSeq } }`, { id: chatId }, bob.token)).chat.lastSeq;

    const ws2 = server.wsClient(bob.token);
    const resumed = subscribeMessages(ws2, chatId, lastSeen);
    try {
      const replay = await resumed.waitFor(lastSeq - lastSeen);
      expect(replay.map((m) => m.seq)).toEqual(Array.from({ length: lastSeq - lastSeen }, (_, i) => lastSeen + i + 1));
      expect(replay.slice(-3).map((m) => m.id)).toEqual(missed.map((m) => m.messageId));

      await send(server, ada, chatId, 'live again');
      const all = await resumed.waitFor(lastSeq - lastSeen + 1);
      expect(all.at(-1)).toMatchObject({ seq: lastSeq + 1, body: 'live again' });
      await new Promise((r) => setTimeout(r, 200));
      expect(resumed.events).toHaveLength(lastSeq - lastSeen + 1);
    } finally {
      resumed.close();
      await ws2.dispose();
    }
  });

  it('replays without gap or duplicate while messages keep arriving during the replay', async () => {
    const ws = server.wsClient(ada.token);
    const sub = subscribeMessages(ws, chatId, 0);
    const sending = (async () => {
      for (let i = 0; i < 20; i++) await send(server, bob, chatId, `during replay ${i}`);
    })();
    try {
      await sending;
      const lastSeq = (await server.ok(`query ($id: ID!) { chat(id: $id) { lastSeq } }`, { id: chatId }, ada.token)).chat.lastSeq;
      const got = await sub.waitFor(lastSeq, 20_000);
      expect(got.map((m) => m.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    } finally {
      sub.close();
      await ws.dispose();
    }
  });
});
