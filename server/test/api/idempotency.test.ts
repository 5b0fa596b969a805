import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeMessages, TestServer } from '../support/server.js';
import { relationalTargets } from '../support/targets.js';
import { directChat, send, signup } from '../support/users.js';

const HISTORY = `query ($c: ID!) { messages(chatId: $c, first: 100) { edges { node { id seq body clientId } } } }`;

describe.each(relationalTargets)('send idempotency on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start(target);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const history = async (chatId: string, token: string) =>
    (await server.ok(HISTORY, { c: chatId }, token)).messages.edges.map((e: { node: unknown }) => e.node) as {
      id: string;
      seq: number;
      body: string;
      clientId: string;
    }[];

  it('scopes a clientId to its chat: the same clientId in two chats stores and delivers both', async () => {
    const ada = await signup(server);
    const bob = await signup(server);
    const cy = await signup(server);
    const chatA = await directChat(server, ada, bob);
    const chatB = await directChat(server, ada, cy);
    const bobWs = server.wsClient(bob.token);
    const cyWs = server.wsClient(cy.token);
    const onA = subscribeMessages(bobWs, chatA, 0);
    const onB = subscribeMessages(cyWs, chatB, 0);
    try {
      const toA = await send(server, ada, chatA, 'for bob', '1');
      const toB = await send(server, ada, chatB, 'for cy', '1');
      expect(toA.chatId).toBe(chatA);
      expect(toB.chatId).toBe(chatB);
      expect(toB.messageId).not.toBe(toA.messageId);

      expect((await onA.waitFor(1)).map((m) => [m.id, m.seq, m.body, m.clientId])).toEqual([[toA.messageId, 1, 'for bob', '1']]);
      expect((await onB.waitFor(1)).map((m) => [m.id, m.seq, m.body, m.clientId])).toEqual([[toB.messageId, 1, 'for cy', '1']]);
      expect(await history(chatA, ada.token)).toEqual([{ id: toA.messageId, seq: 1, body: 'for bob', clientId: '1' }]);
      expect(await history(chatB, ada.token)).toEqual([{ id: toB.messageId, seq: 1, body: 'for cy', clientId: '1' }]);

      // A retry within a chat is still one message, answered with that chat's id.
      const again = await send(server, ada, chatA, 'for bob', '1');
      expect(again).toMatchObject({ messageId: toA.messageId, chatId: chatA, clientId: '1' });
      expect(await history(chatA, ada.token)).toHaveLength(1);
      const next = await send(server, ada, chatA, 'after the retry', '2');
      expect((await onA.waitFor(2)).map((m) => [m.id, m.seq])).toEqual([
        [toA.messageId, 1],
        [next.messageId, 2],
      ]);
      expect(await history(chatB, ada.token)).toHaveLength(1);
    } finally {
      onA.close();
      onB.close();
      await bobWs.dispose();
      await cyWs.dispose();
    }
  });

  it('keeps the first body when a clientId is reused in its chat with another body: the resend is answered as a retry', async () => {
    const ada = await signup(server);
    const bob = await signup(server);
    const chat = await directChat(server, ada, bob);
    const first = await send(server, ada, chat, 'the first body', 'reused');
    const second = await send(server, ada, chat, 'a different body', 'reused');
    // Same id, accepted, no error: a clientId names one message, whatever a later send carries.
    expect(second).toMatchObject({ messageId: first.messageId, chatId: chat, clientId: 'reused' });
    const next = await send(server, ada, chat, 'the next one', 'next');
    const bobWs = server.wsClient(bob.token);
    const live = subscribeMessages(bobWs, chat, 0);
    try {
      expect((await live.waitFor(2)).map((m) => [m.id, m.body])).toEqual([
        [first.messageId, 'the first body'],
        [next.messageId, 'the next one'],
      ]);
    } finally {
      live.close();
      await bobWs.dispose();
    }
    expect((await history(chat, ada.token)).map((m) => m.body)).toEqual(['the first body', 'the next one']);
  });

  it('stores both when the same clientId goes to two chats at once', async () => {
    const ada = await signup(server);
    const chats = await Promise.all(Array.from({ length: 4 }, async () => directChat(server, ada, await signup(server))));
    const answers = await Promise.all(chats.map((chatId, i) => send(server, ada, chatId, `to chat ${i}`, 'same')));
    expect(new Set(answers.map((a) => a.messageId)).size).toBe(chats.length);
    for (const [i, chatId] of chats.entries()) {
      expect(answers[i].chatId).toBe(chatId);
      expect(await history(chatId, ada.token)).toEqual([{ id: answers[i].messageId, seq: 1, body: `to chat ${i}`, clientId: 'same' }]);
    }
  });
});
