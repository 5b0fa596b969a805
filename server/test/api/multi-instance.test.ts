import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, subscribeMessages, TestServer } from '../support/server.js';
import { postgresTarget, relationalTargets } from '../support/targets.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { directChat, send, signup } from '../support/users.js';
import { expectDeliveryAcross, InstancePair, SHARED_JWT_SECRET } from '../support/instance-pair.js';

const canRun = !redisSkipReason && relationalTargets.includes(postgresTarget);
const suite = canRun ? describe : describe.skip;
if (!canRun) console.warn('SKIPPED multi-instance suite: it needs the machine PostgreSQL and Redis');

suite('two API instances sharing PostgreSQL and Redis', () => {
  let pair: InstancePair;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    pair = await InstancePair.start({ REDIS_URL, SEND_RATE_LIMIT: '12/60s' });
    ({ a, b } = pair);
  });
  afterAll(async () => {
    await pair?.stop();
  });

  it('delivers messages sent through either instance to subscribers on both, once and in seq order', async () => {
    await expectDeliveryAcross(a, b);
  });

  it('enforces a membership change made on one instance on the other at once', async () => {
    const [ada, bob, cy] = [await signup(a), await signup(a), await signup(a)];
    const group = await a.ok(`mutation ($m: [ID!]!) { createGroupChat(title: "team", memberIds: $m) { id } }`, { m: [bob.id, cy.id] }, ada.token);
    const chatId = group.createGroupChat.id;
    // Warm the membership cache on b, and open bob's live subscription there.
    await send(b, bob, chatId, 'hello from bob');
    const ws = b.wsClient(bob.token);
    const sub = subscribeMessages(ws, chatId, 0);
    try {
      await sub.waitFor(1);
      expect((await a.ok(`mutation ($c: ID!) { leaveChat(chatId: $c) }`, { c: chatId }, bob.token)).leaveChat).toBe(true);

      const sendOnB = await b.gql(`mutation ($c: ID!) { sendMessage(chatId: $c, body: "still here?") { messageId } }`, { c: chatId }, bob.token);
      expect(codeOf(sendOnB)).toBe('FORBIDDEN');
      expect(codeOf(await b.gql(`query ($c: ID!) { messages(chatId: $c) { edges { cursor } } }`, { c: chatId }, bob.token))).toBe('FORBIDDEN');
      expect(JSON.stringify(await sub.waitForError())).toContain('FORBIDDEN');
      // The others carry on.
      await send(b, cy, chatId, 'bye bob');
    } finally {
      sub.close();
      await ws.dispose();
    }
  });

  it('holds the send rate limit across instances', async () => {
    const ada = await signup(a);
    const bob = await signup(a);
    const chatId = await directChat(a, ada, bob);
    const sendVia = (server: TestServer, i: number) =>
      server.gql(`mutation ($c: ID!, $b: String!) { sendMessage(chatId: $c, body: $b) { messageId } }`, { c: chatId, b: `m${i}` }, ada.token);
    const results = [];
    for (let i = 0; i < 12; i++) results.push(await sendVia(i % 2 ? a : b, i));
    expect(results.map(codeOf)).toEqual(Array(12).fill(undefined));
    const over = await sendVia(b, 12);
    expect(codeOf(over)).toBe('RATE_LIMITED');
    expect(over.errors![0].message).toMatch(/try again in \d+ s/);
    expect(codeOf(await sendVia(a, 13))).toBe('RATE_LIMITED');
  });

  it('limits login attempts per username across instances', async () => {
    const limited = { REDIS_URL, JWT_SECRET: SHARED_JWT_SECRET, LOGIN_RATE_LIMIT: '3/60s' };
    const c = await TestServer.attach(pair.storage, limited);
    const d = await TestServer.attach(pair.storage, limited);
    try {
      const ada = await signup(c);
      const login = (server: TestServer) =>
        server.gql(`mutation ($u: String!) { login(username: $u, password: "wrong password") { token } }`, { u: ada.username });
      expect([codeOf(await login(c)), codeOf(await login(d)), codeOf(await login(c))]).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED']);
      expect(codeOf(await login(d))).toBe('RATE_LIMITED');
    } finally {
      await c.stop();
      await d.stop();
    }
  });
});
