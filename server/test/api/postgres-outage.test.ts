import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL } from '../support/postgres.js';
import type { CuttableProxy } from '../support/cuttable-proxy.js';
import { serverBehindProxy, type ProxiedPostgres } from '../support/proxied-postgres.js';
import { codeOf, Subscription, subscribeMessages, TestServer, type GraphQLResponse } from '../support/server.js';
import { postgresTarget, relationalTargets } from '../support/targets.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { send, signup, type TestUser } from '../support/users.js';

/*
 * PostgreSQL goes away under a running server (the test pulls the plug on a
 * TCP proxy between them): every path answers UNAVAILABLE, which clients
 * retry, never INTERNAL_SERVER_ERROR, which they take as final. With Redis
 * the membership checks are served from the cache, without it they need the
 * database: both ways are covered.
 */

const setups = [
  { name: 'without Redis', env: {} as Record<string, string>, skip: null as string | null },
  { name: 'with Redis', env: { REDIS_URL }, skip: redisSkipReason },
];
const canRun = relationalTargets.includes(postgresTarget);
if (!canRun) console.warn('SKIPPED PostgreSQL outage suite: it needs the machine PostgreSQL');

/** The first error code of a subscription: at subscribe time or mid-stream. */
async function subscriptionCode(sub: Subscription<unknown>): Promise<string | undefined> {
  const error = (await sub.waitForError()) as { extensions?: { code?: string } } | unknown[];
  const first = Array.isArray(error) ? error[0] : error;
  return (first as { extensions?: { code?: string } }).extensions?.code;
}

describe.each(setups.filter((s) => canRun && !s.skip))('a PostgreSQL outage, $name', ({ env }) => {
  let pg: ProxiedPostgres;
  let proxy: CuttableProxy;
  let server: TestServer;
  let ada: TestUser;
  let bob: TestUser;
  let group: string;

  beforeAll(async () => {
    pg = await serverBehindProxy({ ...env, LIVE_CHECK_INTERVAL_MS: '200' });
    ({ server, proxy } = pg);
    [ada, bob] = [await signup(server), await signup(server)];
    group = (await server.ok(`mutation ($m: [ID!]!) { createGroupChat(title: "g", memberIds: $m) { id } }`, { m: [bob.id] }, ada.token)).createGroupChat.id;
    await send(server, ada, group, 'before the outage');
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('answers UNAVAILABLE on every path while it is down, and works again once it is back', async () => {
    expect(ADMIN_URL).toBeTruthy();
    const ws = server.wsClient(ada.token);
    const live = subscribeMessages(ws, group, 0);
    const opened: Subscription<unknown>[] = [live];
    try {
      expect((await live.waitFor(1)).map((m) => m.seq)).toEqual([1]);
      proxy.cut();

      const calls: Record<string, () => Promise<GraphQLResponse>> = {
        users: () => server.gql(`{ users(search: "a") { id } }`, {}, ada.token),
        chats: () => server.gql(`{ chats { edges { node { id } } } }`, {}, ada.token),
        chat: () => server.gql(`query ($c: ID!) { chat(id: $c) { id members { id } } }`, { c: group }, ada.token),
        messages: () => server.gql(`query ($c: ID!) { messages(chatId: $c) { edges { node { seq } } } }`, { c: group }, ada.token),
        chatStats: () => server.gql(`query ($c: ID!) { chatStats(chatId: $c, from: "2026-01-01", to: "2026-01-02") { day } }`, { c: group }, ada.token),
        signup: () => server.gql(`mutation { signup(username: "outage_user", password: "correct horse battery") { token } }`),
        login: () => server.gql(`mutation ($u: String!) { login(username: $u, password: "correct horse battery") { token } }`, { u: ada.username }),
        createDirectChat: () => server.gql(`mutation ($u: ID!) { createDirectChat(userId: $u) { id } }`, { u: bob.id }, ada.token),
        createGroupChat: () => server.gql(`mutation ($m: [ID!]!) { createGroupChat(title: "h", memberIds: $m) { id } }`, { m: [bob.id] }, ada.token),
        markRead: () => server.gql(`mutation ($c: ID!) { markRead(chatId: $c, seq: 1) { id } }`, { c: group }, bob.token),
        leaveChat: () => server.gql(`mutation ($c: ID!) { leaveChat(chatId: $c) }`, { c: group }, bob.token),
        sendMessage: () => server.gql(`mutation ($c: ID!) { sendMessage(chatId: $c, body: "during", clientId: "during-1") { messageId } }`, { c: group }, ada.token),
      };
      const codes: Record<string, string | undefined> = {};
      for (const [name, call] of Object.entries(calls)) codes[name] = codeOf(await call());

      const fresh = subscribeMessages(ws, group);
      const resumed = subscribeMessages(ws, group, 0);
      const list = new Subscription<unknown>(ws, `subscription { chatUpdated { id } }`, {}, (data) => data.chatUpdated);
      opened.push(fresh, resumed, list);
      codes['messageAdded'] = await subscriptionCode(fresh);
      codes['messageAdded(afterSeq)'] = await subscriptionCode(resumed);
      codes['chatUpdated'] = await subscriptionCode(list);

      expect(codes).toEqual(Object.fromEntries(Object.keys(codes).map((name) => [name, 'UNAVAILABLE'])));
      // A subscription that was open stays open: nothing it delivers depends on the database until the next message.
      expect(live.errors).toEqual([]);

      proxy.restore();
      await send(server, ada, group, 'after the outage');
      expect((await live.waitFor(2)).map((m) => m.seq)).toEqual([1, 2]);
      const after = subscribeMessages(ws, group, 0);
      opened.push(after);
      expect((await after.waitFor(2)).map((m) => m.seq)).toEqual([1, 2]);
      expect(codeOf(await calls.chats())).toBeUndefined();
      expect(codeOf(await calls.markRead())).toBeUndefined();
    } finally {
      proxy.restore();
      for (const sub of opened) sub.close();
      await ws.dispose();
    }
  });
});
