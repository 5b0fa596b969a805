import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, subscribeMessages, TestServer } from '../support/server.js';
import { DisposableRedis, redisSkipReason } from '../support/redis.js';
import { pgliteTarget } from '../support/targets.js';
import { directChat, send, signup, type TestUser } from '../support/users.js';
import { until } from '../support/until.js';

const suite = redisSkipReason ? describe.skip : describe;

suite('Redis outage', () => {
  let redis: DisposableRedis;
  let server: TestServer;
  let ada: TestUser;
  let bob: TestUser;
  let chatId: string;

  beforeAll(async () => {
    redis = await DisposableRedis.start();
    server = await TestServer.start(pgliteTarget, { REDIS_URL: redis.url, SEND_RATE_LIMIT: '100/10s' });
    [ada, bob] = [await signup(server), await signup(server)];
    chatId = await directChat(server, ada, bob);
  });
  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
  });

  it('keeps storing sends, ends live subscriptions with UNAVAILABLE, and lets clients catch up by afterSeq', async () => {
    const ws = server.wsClient(bob.token);
    const live = subscribeMessages(ws, chatId, 0);
    try {
      await send(server, ada, chatId, 'before the outage');
      expect((await live.waitFor(1)).map((m) => m.seq)).toEqual([1]);

      await redis.stop();
      expect(JSON.stringify(await live.waitForError())).toContain('UNAVAILABLE');
      await until(async () => (await server.readiness()).status === 503);
      expect((await server.readiness()).body.engines).toMatchObject({ realtimeBus: 'down', cache: 'down', relational: 'up' });

      // Sends still persist: membership falls back to the database, rate limits fail open.
      for (let i = 1; i <= 3; i++) await send(server, ada, chatId, `during the outage ${i}`);
      const history = await server.ok(`query ($c: ID!) { messages(chatId: $c, last: 10) { edges { node { seq } } } }`, { c: chatId }, bob.token);
      expect(history.messages.edges.map((e: any) => e.node.seq)).toEqual([1, 2, 3, 4]);

      const duringOutage = subscribeMessages(ws, chatId, 1);
      expect(JSON.stringify(await duringOutage.waitForError())).toContain('UNAVAILABLE');

      await redis.resume();
      await until(async () => (await server.readiness()).status === 200);
      const resumed = subscribeMessages(ws, chatId, 1);
      expect((await resumed.waitFor(3)).map((m) => m.seq)).toEqual([2, 3, 4]);
      await send(server, ada, chatId, 'after the outage');
      expect((await resumed.waitFor(4)).at(-1)).toMatchObject({ seq: 5, body: 'after the outage' });
      resumed.close();
    } finally {
      live.close();
      await ws.dispose();
    }
  });

  it('refuses to leave a group while Redis cannot invalidate the membership cache, and changes nothing', async () => {
    const group = await server.ok(`mutation ($m: [ID!]!) { createGroupChat(title: "g", memberIds: $m) { id } }`, { m: [bob.id] }, ada.token);
    await redis.stop();
    try {
      const left = await server.gql(`mutation ($c: ID!) { leaveChat(chatId: $c) }`, { c: group.createGroupChat.id }, bob.token);
      expect(codeOf(left)).toBe('UNAVAILABLE');
      const chat = await server.ok(`query ($c: ID!) { chat(id: $c) { members { id } } }`, { c: group.createGroupChat.id }, bob.token);
      expect(chat.chat.members).toHaveLength(2);
    } finally {
      await redis.resume();
    }
  });
});
