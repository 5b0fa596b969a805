import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Subscription, TestServer } from '../support/server.js';
import { relationalTargets } from '../support/targets.js';
import { directChat, send, signup, type TestUser } from '../support/users.js';

const CHAT_UPDATED = `subscription { chatUpdated { id kind title lastSeq lastReadSeq unreadCount lastMessage { body } } }`;

type Update = { id: string; kind: string; title: string | null; lastSeq: number; lastReadSeq: number; unreadCount: number; lastMessage: { body: string } | null };

describe.each(relationalTargets)('live chat list on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start(target);
  });
  afterAll(async () => server?.stop());

  /** Subscribes, then moves a read mark until an event shows the subscription is live. */
  async function watch(user: TestUser, anyChatId: string): Promise<{ sub: Subscription<Update>; close: () => Promise<void> }> {
    const ws = server.wsClient(user.token);
    const sub = new Subscription<Update>(ws, CHAT_UPDATED, {}, (data) => data.chatUpdated);
    for (let i = 0; sub.events.length === 0; i++) {
      if (i > 100) throw new Error('chatUpdated never went live');
      await server.ok(`mutation ($c: ID!) { markRead(chatId: $c, seq: 0) { id } }`, { c: anyChatId }, user.token);
      await new Promise((r) => setTimeout(r, 20));
    }
    sub.events.length = 0;
    return { sub, close: async () => (sub.close(), await ws.dispose()) };
  }

  it('follows messages in every chat, chats joined later, and read marks, each as the viewer sees the chat', async () => {
    const [ada, bob, carol] = [await signup(server), await signup(server), await signup(server)];
    const direct = await directChat(server, ada, bob);
    const adaList = await watch(ada, direct);
    const bobList = await watch(bob, direct);
    try {
      await send(server, bob, direct, 'hi ada');
      const [forAda] = await adaList.sub.waitFor(1);
      const [forBob] = await bobList.sub.waitFor(1);
      // The same event, seen by each viewer: a result is never shared between them.
      expect(forAda).toMatchObject({ id: direct, lastSeq: 1, unreadCount: 1, lastMessage: { body: 'hi ada' } });
      expect(forBob).toMatchObject({ id: direct, lastSeq: 1, unreadCount: 0, lastMessage: { body: 'hi ada' } });

      await server.ok(`mutation ($c: ID!) { markRead(chatId: $c, seq: 1) { id } }`, { c: direct }, ada.token);
      expect((await adaList.sub.waitFor(2))[1]).toMatchObject({ id: direct, lastReadSeq: 1, unreadCount: 0 });

      // A group created after the list opened is followed from then on.
      const group = (await server.ok(`mutation ($t: String!, $m: [ID!]!) { createGroupChat(title: $t, memberIds: $m) { id } }`, { t: 'Lunch', m: [ada.id] }, carol.token)).createGroupChat.id;
      expect((await adaList.sub.waitFor(3))[2]).toMatchObject({ id: group, kind: 'GROUP', title: 'Lunch', unreadCount: 0 });
      await send(server, carol, group, 'noon?');
      expect((await adaList.sub.waitFor(4))[3]).toMatchObject({ id: group, unreadCount: 1, lastMessage: { body: 'noon?' } });

      // After leaving, the group's messages no longer reach the list.
      await server.ok(`mutation ($c: ID!) { leaveChat(chatId: $c) }`, { c: group }, ada.token);
      await send(server, carol, group, 'ada left');
      await send(server, bob, direct, 'still here');
      const afterLeave = await adaList.sub.waitFor(5);
      expect(afterLeave[4]).toMatchObject({ id: direct, lastMessage: { body: 'still here' } });
      expect(afterLeave.some((chat) => chat.lastMessage?.body === 'ada left')).toBe(false);
    } finally {
      await adaList.close();
      await bobList.close();
    }
  });

  it('needs a signed-in user', async () => {
    const ws = server.wsClient(null);
    const sub = new Subscription<Update>(ws, CHAT_UPDATED, {}, (data) => data.chatUpdated);
    try {
      expect(await sub.waitForError()).toMatchObject({ code: 4401 });
    } finally {
      sub.close();
      await ws.dispose();
    }
  });
});
