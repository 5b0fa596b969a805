import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatEventsOf, type ChatEventData } from '../support/chat-events.js';
import { instancePairForSuite } from '../support/instance-pair.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { TestServer } from '../support/server.js';
import { deploymentSetups, postgresTarget, relationalTargets } from '../support/targets.js';
import { until } from '../support/until.js';
import { send, signup, type TestUser } from '../support/users.js';

const MARK_READ = `mutation ($c: ID!, $s: Int!) { markRead(chatId: $c, seq: $s) { id } }`;
const READ_STATES = `query ($c: ID!) { chat(id: $c) { eventCursor readStates { user { id } lastReadSeq readAt } } }`;

const setups = deploymentSetups(REDIS_URL, redisSkipReason);

const receipts = (events: ChatEventData[]) => events.filter((e) => e.__typename === 'ReadPositionMoved').map((e) => `${e.user!.id}:${e.lastReadSeq}`);

async function groupOf(server: TestServer, owner: TestUser, members: TestUser[]): Promise<string> {
  const data = await server.ok(`mutation ($m: [ID!]!) { createGroupChat(title: "receipts", memberIds: $m) { id } }`, { m: members.map((m) => m.id) }, owner.token);
  return data.createGroupChat.id;
}

for (const { name, target, env } of setups) {
  describe(`read receipts on ${name}`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await TestServer.start(target, env);
    });
    afterAll(async () => server?.stop());

    it('shows the others’ read marks live and in readStates, never the viewer’s own, and nothing for a mark that does not move', async () => {
      const [ada, bob, cat] = [await signup(server), await signup(server), await signup(server)];
      const chatId = await groupOf(server, ada, [bob, cat]);
      for (let i = 1; i <= 3; i++) await send(server, ada, chatId, `m${i}`);
      const { chat } = await server.ok(READ_STATES, { c: chatId }, ada.token);
      const ws = server.wsClient(ada.token);
      const events = chatEventsOf(ws, chatId, chat.eventCursor);
      try {
        await server.ok(MARK_READ, { c: chatId, s: 2 }, bob.token);
        await server.ok(MARK_READ, { c: chatId, s: 1 }, bob.token); // backwards: nothing moves
        await server.ok(MARK_READ, { c: chatId, s: 3 }, ada.token); // her own: not news to her
        await server.ok(MARK_READ, { c: chatId, s: 99 }, cat.token); // past the end: read to 3
        await until(() => receipts(events.events).length >= 2);
        await send(server, ada, chatId, 'marker');
        await until(() => events.events.some((e) => e.message?.body === 'marker'));
        expect(receipts(events.events)).toEqual([`${bob.id}:2`, `${cat.id}:3`]);
        const states = (await server.ok(READ_STATES, { c: chatId }, bob.token)).chat.readStates;
        const byUser = Object.fromEntries(states.map((s: { user: { id: string }; lastReadSeq: number; readAt: string | null }) => [s.user.id, s]));
        expect([byUser[ada.id].lastReadSeq, byUser[bob.id].lastReadSeq, byUser[cat.id].lastReadSeq]).toEqual([4, 2, 3]);
        expect(byUser[bob.id].readAt).toBeTruthy();
      } finally {
        events.close();
        await ws.dispose();
      }
    });

    it('never moves a mark back when two tabs of one user mark at once', async () => {
      const [ada, bob] = [await signup(server), await signup(server)];
      const chatId = await groupOf(server, ada, [bob]);
      for (let i = 1; i <= 60; i++) await send(server, ada, chatId, `m${i}`);
      const mark = (seq: number) => server.ok(MARK_READ, { c: chatId, s: seq }, bob.token);
      const markOf = async () =>
        (await server.ok(READ_STATES, { c: chatId }, bob.token)).chat.readStates.find((s: { user: { id: string } }) => s.user.id === bob.id).lastReadSeq;
      for (let round = 0; round < 15; round++) {
        const base = round * 4;
        await Promise.all([mark(base + 3), mark(base + 1)]);
        expect(await markOf()).toBe(base + 3);
      }
    });

    it('brings each moved mark once, as it stands, to a subscriber that resumes from its cursor', async () => {
      const [ada, bob, cat] = [await signup(server), await signup(server), await signup(server)];
      const chatId = await groupOf(server, ada, [bob, cat]);
      for (let i = 1; i <= 3; i++) await send(server, ada, chatId, `m${i}`);
      const { chat } = await server.ok(READ_STATES, { c: chatId }, ada.token);
      await server.ok(MARK_READ, { c: chatId, s: 1 }, bob.token);
      await server.ok(MARK_READ, { c: chatId, s: 1 }, cat.token);
      await server.ok(MARK_READ, { c: chatId, s: 3 }, cat.token);
      const ws = server.wsClient(ada.token);
      const resumed = chatEventsOf(ws, chatId, chat.eventCursor);
      try {
        await until(() => receipts(resumed.events).length >= 2);
        await send(server, ada, chatId, 'marker');
        await until(() => resumed.events.some((e) => e.message?.body === 'marker'));
        expect(receipts(resumed.events)).toEqual([`${bob.id}:1`, `${cat.id}:3`]);
        // From the cursor of the last receipt: nothing again.
        const last = resumed.events.filter((e) => e.__typename === 'ReadPositionMoved').at(-1)!;
        const again = chatEventsOf(ws, chatId, last.cursor);
        await send(server, ada, chatId, 'second marker');
        await until(() => again.events.some((e) => e.message?.body === 'second marker'));
        expect(receipts(again.events)).toEqual([]);
        again.close();
      } finally {
        resumed.close();
        await ws.dispose();
      }
    });
  });
}

const canRunPair = !redisSkipReason && relationalTargets.includes(postgresTarget);
(canRunPair ? describe : describe.skip)('read receipts across two instances (PostgreSQL + Redis)', () => {
  const pair = instancePairForSuite({ REDIS_URL });

  it('reaches a member watching on the other instance', async () => {
    const { a, b } = pair;
    const [ada, bob] = [await signup(a), await signup(a)];
    const chatId = await groupOf(a, ada, [bob]);
    await send(a, ada, chatId, 'm1');
    const { chat } = await b.ok(READ_STATES, { c: chatId }, ada.token);
    const ws = b.wsClient(ada.token);
    const events = chatEventsOf(ws, chatId, chat.eventCursor);
    try {
      await a.ok(MARK_READ, { c: chatId, s: 1 }, bob.token);
      await until(() => receipts(events.events).length === 1);
      expect(receipts(events.events)).toEqual([`${bob.id}:1`]);
    } finally {
      events.close();
      await ws.dispose();
    }
  });
});
