import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Subscription, subscribeMessages, TestServer } from '../support/server.js';
import type { Message } from '../../src/domain/models.js';
import { chatChannel, type ChatEvent } from '../../src/realtime/events.js';
import { relationalTargets } from '../support/targets.js';
import { REDIS_URL, redisClients, redisSkipReason } from '../support/redis.js';
import { directChat, send, signup } from '../support/users.js';
import { until } from '../support/until.js';

const CHAT_MEMBERS = `subscription { chatUpdated { id lastSeq members { id } } }`;
type MembersUpdate = { id: string; lastSeq: number; members: { id: string }[] };

describe.each(relationalTargets)('what live subscriptions deliver on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start(target);
  });
  afterAll(async () => server?.stop());

  it('chatUpdated reads every event fresh: after a leave, the others see the group without the leaver', async () => {
    const [ada, bob, cy] = [await signup(server), await signup(server), await signup(server)];
    const group = await server.ok(`mutation ($m: [ID!]!) { createGroupChat(title: "team", memberIds: $m) { id } }`, { m: [bob.id, cy.id] }, ada.token);
    const chatId: string = group.createGroupChat.id;
    const ws = server.wsClient(ada.token);
    const list = new Subscription<MembersUpdate>(ws, CHAT_MEMBERS, {}, (data) => data.chatUpdated);
    try {
      // Until an event shows the list is live; each event loads the members.
      await until(async () => {
        await send(server, cy, chatId, 'ping');
        return list.events.length > 0;
      });
      expect(list.events[0].members.map((m) => m.id).sort()).toEqual([ada.id, bob.id, cy.id].sort());

      await server.ok(`mutation ($c: ID!) { leaveChat(chatId: $c) }`, { c: chatId }, bob.token);
      const { chat } = await server.ok(`query ($c: ID!) { chat(id: $c) { lastSeq } }`, { c: chatId }, ada.token);
      await send(server, cy, chatId, 'bob left');
      await until(async () => list.events.some((e) => e.lastSeq > chat.lastSeq));
      const latest = list.events.at(-1)!;
      expect(latest.members.map((m) => m.id).sort()).toEqual([ada.id, cy.id].sort());
    } finally {
      list.close();
      await ws.dispose();
    }
  });
});

const withRedis = redisSkipReason ? describe.skip : describe;

withRedis.each(relationalTargets)('a subscription without afterSeq on $name with Redis', (target) => {
  let server: TestServer;
  const redis = redisClients();
  beforeAll(async () => {
    server = await TestServer.start(target, { REDIS_URL });
  });
  afterAll(async () => server?.stop());

  it('starts at the chat’s end: an old message republished on the bus does not become its starting point', async () => {
    const [ada, bob] = [await signup(server), await signup(server)];
    const chatId = await directChat(server, ada, bob);
    for (let i = 1; i <= 5; i++) await send(server, ada, chatId, `old ${i}`);
    const history = await server.ok(
      `query ($c: ID!) { messages(chatId: $c, first: 1) { edges { node { id seq body clientId createdAt sender { id } } } } }`,
      { c: chatId },
      bob.token,
    );
    const first = history.messages.edges[0].node;

    const client = await redis.connect();
    const channel = chatChannel(chatId).name;
    const ws = server.wsClient(bob.token);
    const live = subscribeMessages(ws, chatId);
    try {
      // Once the server's bus subscription is live, a republish of message 1 reaches it first.
      await until(async () => ((await client.pubsub('NUMSUB', channel)) as [string, number])[1] > 0);
      const message: Message = {
        id: first.id,
        chatId,
        seq: 1,
        kind: 'TEXT',
        senderId: first.sender.id,
        subjectId: null,
        body: first.body,
        clientId: first.clientId,
        replyToId: null,
        createdAt: new Date(first.createdAt),
        editedAt: null,
        deletedAt: null,
        eventSeq: 1,
        changedSeq: 1,
        textSeq: 1,
      };
      const event: ChatEvent = { type: 'messageStored', message, chat: { chatId, lastSeq: 1, lastMessageId: first.id, updatedAt: message.createdAt } };
      await client.publish(channel, chatChannel(chatId).codec.encode(event));
      await send(server, ada, chatId, 'new');
      await live.waitFor(1);
      // A message after the new one shows whether anything else was queued before it.
      await send(server, ada, chatId, 'newer');
      await until(async () => live.events.some((m) => m.body === 'newer'));
      expect(live.events.map((m) => m.seq)).toEqual([6, 7]);
    } finally {
      live.close();
      await ws.dispose();
    }
  });
});
