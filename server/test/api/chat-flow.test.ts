import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeMessages, TestServer } from '../support/server.js';
import { relationalTargets } from '../support/targets.js';
import { directChat, send, signup } from '../support/users.js';

describe.each(relationalTargets)('chat flow on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start(target);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('two users sign up, open a direct chat, subscribe, and both receive every message in seq order', async () => {
    const ada = await signup(server);
    const bob = await signup(server);
    const chatId = await directChat(server, ada, bob);

    const adaWs = server.wsClient(ada.token);
    const bobWs = server.wsClient(bob.token);
    // afterSeq: 0 makes the subscription gap-free no matter when it goes live.
    const adaSub = subscribeMessages(adaWs, chatId, 0);
    const bobSub = subscribeMessages(bobWs, chatId, 0);
    try {
      await send(server, ada, chatId, 'hello bob');
      await send(server, bob, chatId, 'hi ada');
      await send(server, ada, chatId, 'how are you?');

      for (const sub of [adaSub, bobSub]) {
        const got = await sub.waitFor(3);
        expect(got.map((m) => [m.seq, m.body, m.sender.id])).toEqual([
          [1, 'hello bob', ada.id],
          [2, 'hi ada', bob.id],
          [3, 'how are you?', ada.id],
        ]);
      }
    } finally {
      adaSub.close();
      bobSub.close();
      await adaWs.dispose();
      await bobWs.dispose();
    }
  });

  it('a live-only subscription (no afterSeq) delivers new messages once they are sent', async () => {
    const ada = await signup(server);
    const bob = await signup(server);
    const chatId = await directChat(server, ada, bob);
    await send(server, ada, chatId, 'before subscribing');
    const ws = server.wsClient(bob.token);
    const sub = subscribeMessages(ws, chatId);
    try {
      // Keep sending until the subscription is live; it must then see a contiguous tail.
      const deadline = Date.now() + 10_000;
      let n = 0;
      while (sub.events.length === 0 && Date.now() < deadline) {
        await send(server, ada, chatId, `ping ${++n}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await send(server, ada, chatId, 'last');
      const first = (await sub.waitFor(1))[0];
      expect(first.seq).toBeGreaterThan(1);
      const all = await sub.waitFor(n + 2 - first.seq + 1);
      expect(all.map((m) => m.seq)).toEqual(all.map((_, i) => first.seq + i));
      expect(all.at(-1)!.body).toBe('last');
    } finally {
      sub.close();
      await ws.dispose();
    }
  });

  it('tracks unread counts: own messages count as read, markRead only moves forward and never past lastSeq', async () => {
    const ada = await signup(server);
    const bob = await signup(server);
    const chatId = await directChat(server, ada, bob);
    for (let i = 1; i <= 4; i++) await send(server, ada, chatId, `m${i}`);

    const view = `query ($id: ID!) { chat(id: $id) { lastSeq lastReadSeq unreadCount lastMessage { seq body sender { id } } } }`;
    expect((await server.ok(view, { id: chatId }, ada.token)).chat).toMatchObject({ lastSeq: 4, unreadCount: 0 });
    expect((await server.ok(view, { id: chatId }, bob.token)).chat).toEqual({
      lastSeq: 4,
      lastReadSeq: 0,
      unreadCount: 4,
      lastMessage: { seq: 4, body: 'm4', sender: { id: ada.id } },
    });

    const mark = `mutation ($c: ID!, $s: Int!) { markRead(chatId: $c, seq: $s) { lastReadSeq unreadCount } }`;
    expect((await server.ok(mark, { c: chatId, s: 3 }, bob.token)).markRead).toEqual({ lastReadSeq: 3, unreadCount: 1 });
    expect((await server.ok(mark, { c: chatId, s: 1 }, bob.token)).markRead).toEqual({ lastReadSeq: 3, unreadCount: 1 });
    expect((await server.ok(mark, { c: chatId, s: 99 }, bob.token)).markRead).toEqual({ lastReadSeq: 4, unreadCount: 0 });

    await send(server, bob, chatId, 'reply');
    expect((await server.ok(view, { id: chatId }, bob.token)).chat.unreadCount).toBe(0);
    expect((await server.ok(view, { id: chatId }, ada.token)).chat.unreadCount).toBe(1);
  });

  it('createDirectChat is idempotent for a pair, from either side and under concurrency', async () => {
    const ada = await signup(server);
    const bob = await signup(server);
    const create = `mutation ($id: ID!) { createDirectChat(userId: $id) { id kind title members { id } } }`;
    const results = await Promise.all([
      server.ok(create, { id: bob.id }, ada.token),
      server.ok(create, { id: bob.id }, ada.token),
      server.ok(create, { id: ada.id }, bob.token),
      server.ok(create, { id: ada.id }, bob.token),
    ]);
    const ids = new Set(results.map((r) => r.createDirectChat.id));
    expect(ids.size).toBe(1);
    expect(results[0].createDirectChat.kind).toBe('DIRECT');
    expect(results[0].createDirectChat.members.map((m: { id: string }) => m.id).sort()).toEqual([ada.id, bob.id].sort());
  });

  it('lists chats by most recent activity, paginated with cursors', async () => {
    const me = await signup(server);
    const others = await Promise.all([1, 2, 3].map(() => signup(server)));
    const chatIds: string[] = [];
    for (const other of others) chatIds.push(await directChat(server, me, other));
    const group = await server.ok(
      `mutation ($t: String!, $m: [ID!]!) { createGroupChat(title: $t, memberIds: $m) { id kind title members { id } } }`,
      { t: '  Friends  ', m: others.map((o) => o.id) },
      me.token,
    );
    expect(group.createGroupChat).toMatchObject({ kind: 'GROUP', title: 'Friends' });
    expect(group.createGroupChat.members).toHaveLength(4);
    chatIds.push(group.createGroupChat.id);
    // Activity in the first chat moves it to the top.
    await send(server, others[0], chatIds[0], 'bump');

    const list = `query ($after: String) { chats(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = (await server.ok(list, { after }, me.token)).chats;
      seen.push(...page.edges.map((e: any) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([chatIds[0], chatIds[3], chatIds[2], chatIds[1]]);
  });

  it('finds users by username or display name', async () => {
    const me = await signup(server);
    const target = await signup(server, `findme_${Date.now()}`);
    const data = await server.ok(`query ($s: String) { users(search: $s, first: 5) { id username } }`, { s: 'FINDME_' }, me.token);
    expect(data.users.map((u: any) => u.id)).toContain(target.id);
    const me2 = await server.ok(`{ me { id username displayName } }`, {}, me.token);
    expect(me2.me).toEqual({ id: me.id, username: me.username, displayName: me.username });
  });
});
