import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { instancePairForSuite } from '../support/instance-pair.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import type { CuttableProxy } from '../support/cuttable-proxy.js';
import { serverBehindProxy, type ProxiedPostgres } from '../support/proxied-postgres.js';
import { codeOf, subscribeMessages, TestServer, type GraphQLResponse } from '../support/server.js';
import { deploymentSetups, postgresTarget, relationalTargets } from '../support/targets.js';
import { directChat, send, signup, uniqueName, type TestUser } from '../support/users.js';

const CREATE_BOT = `mutation ($u: String!, $d: String) { createBot(username: $u, displayName: $d) { token user { id username displayName isBot } } }`;
const REVOKE = `mutation ($b: ID!) { revokeBotToken(botId: $b) }`;
const ISSUE = `mutation ($b: ID!) { issueBotToken(botId: $b) }`;

/** A bot of `owner`, as a TestUser signed in with its token. */
async function createBot(server: TestServer, owner: TestUser, username = uniqueName('bot')): Promise<TestUser> {
  const data = await server.ok(CREATE_BOT, { u: username }, owner.token);
  return { id: data.createBot.user.id, username: data.createBot.user.username, token: data.createBot.token };
}

/** An authenticated graphql-ws socket held open, and the code it ends with. */
async function openSocket(wsUrl: string, token: string): Promise<{ closed: Promise<number>; close(): void }> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  const acked = new Promise<void>((resolve, reject) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.on('message', (data) => JSON.parse(String(data)).type === 'connection_ack' && resolve());
    socket.on('error', reject);
    void closed.then((code) => reject(new Error(`closed with ${code} before connection_ack`)));
  });
  await acked;
  return { closed, close: () => socket.close(1000) };
}

/** The close code a socket gets for connection_init with `token`, or 'acked' when it is let in. */
function refusedWith(wsUrl: string, token: string): Promise<number | 'acked'> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  return new Promise((resolve) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.on('message', (data) => JSON.parse(String(data)).type === 'connection_ack' && (resolve('acked'), socket.close(1000)));
    socket.on('close', (code) => resolve(code));
  });
}

/** Resolves with the close code, or 'open' if the socket is still open after `ms`. */
const closedWithin = (socket: { closed: Promise<number> }, ms: number) =>
  Promise.race([socket.closed, new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), ms))]);

describe.each(deploymentSetups(REDIS_URL, redisSkipReason))('bots on $name', ({ target, env }) => {
  let server: TestServer;

  beforeAll(async () => {
    // A small send limit, to see that bots are limited like people (each test uses fresh users).
    server = await TestServer.start(target, { ...env, SEND_RATE_LIMIT: '3/60s' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('createBot gives a bot user and a token it can act with; isBot is visible to everyone', async () => {
    const ada = await signup(server);
    const name = uniqueName('helper');
    const data = await server.ok(CREATE_BOT, { u: name.toUpperCase(), d: 'Helper' }, ada.token);
    expect(data.createBot.user).toMatchObject({ username: name, displayName: 'Helper', isBot: true });
    const token = data.createBot.token as string;
    expect((await server.ok('{ me { id isBot } }', {}, token)).me).toEqual({ id: data.createBot.user.id, isBot: true });
    expect((await server.ok('{ me { isBot } }', {}, ada.token)).me.isBot).toBe(false);
    const bob = await signup(server);
    const found = (await server.ok('query ($s: String) { users(search: $s) { username isBot } }', { s: name }, bob.token)).users;
    expect(found).toEqual([{ username: name, isBot: true }]);
    // Left out, the display name is the username as typed.
    const plain = uniqueName('plain');
    expect((await server.ok(CREATE_BOT, { u: plain }, ada.token)).createBot.user.displayName).toBe(plain);
  });

  it('a bot cannot log in with a password: the answer of a wrong password', async () => {
    const ada = await signup(server);
    const bot = await createBot(server, ada);
    const login = (username: string, password: string) =>
      server.gql('mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: username, p: password });
    const asBot = await login(bot.username, 'correct horse battery');
    const nobody = await login(uniqueName('nobody'), 'correct horse battery');
    expect(codeOf(asBot)).toBe('UNAUTHENTICATED');
    expect(asBot.errors![0].message).toBe(nobody.errors![0].message);
    expect(asBot.data).toBeNull();
  });

  it('a bot chats like anyone: added to a group, in a direct chat, live over graphql-ws', async () => {
    const ada = await signup(server);
    const bot = await createBot(server, ada);
    const group = (await server.ok(`mutation ($m: [ID!]!) { createGroupChat(title: "With a bot", memberIds: $m) { id } }`, { m: [bot.id] }, ada.token))
      .createGroupChat.id;
    const direct = await directChat(server, bot, ada);
    const client = server.wsClient(bot.token);
    try {
      const live = subscribeMessages(client, group, 0);
      await send(server, ada, group, 'hello bot');
      await send(server, bot, group, 'hello ada');
      await send(server, bot, direct, 'psst');
      const bodies = (await live.waitFor(2)).map((m) => m.body);
      expect(bodies).toEqual(['hello bot', 'hello ada']);
      const history = await server.ok(`query ($c: ID!) { messages(chatId: $c) { edges { node { body sender { isBot } } } } }`, { c: direct }, ada.token);
      expect(history.messages.edges.map((e: { node: unknown }) => e.node)).toEqual([{ body: 'psst', sender: { isBot: true } }]);
    } finally {
      await client.dispose();
    }
  });

  it('a bot is limited like a person: SEND_RATE_LIMIT applies to its sends', async () => {
    const ada = await signup(server);
    const bot = await createBot(server, ada);
    const chat = await directChat(server, bot, ada);
    for (let i = 0; i < 3; i++) await send(server, bot, chat, `m${i}`);
    const fourth = await server.gql(`mutation ($c: ID!) { sendMessage(chatId: $c, body: "one too many") { messageId } }`, { c: chat }, bot.token);
    expect(codeOf(fourth)).toBe('RATE_LIMITED');
  });

  it('revokeBotToken: the token is UNAUTHENTICATED at once, open sockets close with 4401, nothing new is issued', async () => {
    const ada = await signup(server);
    const bot = await createBot(server, ada);
    const socket = await openSocket(server.wsUrl, bot.token);
    expect((await server.ok('{ me { id } }', {}, bot.token)).me.id).toBe(bot.id);

    expect((await server.ok(REVOKE, { b: bot.id }, ada.token)).revokeBotToken).toBe(true);
    expect(codeOf(await server.gql('{ me { id } }', {}, bot.token))).toBe('UNAUTHENTICATED');
    expect(codeOf(await server.gql('{ chats { edges { cursor } } }', {}, bot.token))).toBe('UNAUTHENTICATED');
    // Closed before revokeBotToken answered on this instance; the close frame may still be on its way.
    expect(await closedWithin(socket, 1000)).toBe(4401);
    expect(await refusedWith(server.wsUrl, bot.token)).toBe(4401);
    // Revoking again revokes nothing.
    expect((await server.ok(REVOKE, { b: bot.id }, ada.token)).revokeBotToken).toBe(false);
  });

  it('issueBotToken: a new token works, the one before stops at once (its sockets too), a socket of the new one stays', async () => {
    const ada = await signup(server);
    const bot = await createBot(server, ada);
    await server.ok(REVOKE, { b: bot.id }, ada.token);
    const second = (await server.ok(ISSUE, { b: bot.id }, ada.token)).issueBotToken as string;
    expect((await server.ok('{ me { id } }', {}, second)).me.id).toBe(bot.id);
    expect(codeOf(await server.gql('{ me { id } }', {}, bot.token))).toBe('UNAUTHENTICATED');

    const onSecond = await openSocket(server.wsUrl, second);
    const third = (await server.ok(ISSUE, { b: bot.id }, ada.token)).issueBotToken as string;
    expect(await closedWithin(onSecond, 1000)).toBe(4401);
    expect(codeOf(await server.gql('{ me { id } }', {}, second))).toBe('UNAUTHENTICATED');
    const onThird = await openSocket(server.wsUrl, third);
    // The announcement of the third token reached this instance long ago; its own socket is not touched.
    expect(await closedWithin(onThird, 300)).toBe('open');
    onThird.close();
  });

  it('who may do what: only the owner revokes or issues; bots own no bots; ids are checked', async () => {
    const ada = await signup(server);
    const bob = await signup(server);
    const bot = await createBot(server, ada);
    expect(codeOf(await server.gql(REVOKE, { b: bot.id }, bob.token))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(ISSUE, { b: bot.id }, bob.token))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(REVOKE, { b: bob.id }, ada.token))).toBe('NOT_FOUND'); // a person is no bot
    expect(codeOf(await server.gql(REVOKE, { b: '00000000-0000-4000-8000-000000000000' }, ada.token))).toBe('NOT_FOUND');
    expect(codeOf(await server.gql(REVOKE, { b: 'not-an-id' }, ada.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await server.gql(CREATE_BOT, { u: uniqueName('sub') }, bot.token))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(REVOKE, { b: bot.id }, bot.token))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(CREATE_BOT, { u: uniqueName('anon') }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await server.gql(CREATE_BOT, { u: bob.username }, ada.token))).toBe('CONFLICT');
    expect(codeOf(await server.gql(CREATE_BOT, { u: 'no spaces' }, ada.token))).toBe('BAD_USER_INPUT');
    // The token still works: none of the refusals above touched it.
    expect((await server.ok('{ me { id } }', {}, bot.token)).me.id).toBe(bot.id);
  });

  it('a person owns at most 10 bots, also when the creations race', async () => {
    const ada = await signup(server);
    const results = await Promise.all(Array.from({ length: 13 }, () => server.gql(CREATE_BOT, { u: uniqueName('many') }, ada.token)));
    expect(results.filter((r) => !r.errors).length).toBe(10);
    expect(results.filter((r) => r.errors).map(codeOf)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT']);
    // Someone else's count is their own.
    const bob = await signup(server);
    await createBot(server, bob);
  });
});

const canPair = !redisSkipReason && relationalTargets.includes(postgresTarget);

describe.skipIf(!canPair)('bot tokens across two instances (PostgreSQL + Redis)', () => {
  // A long check interval: a socket closed within it was closed by the announcement.
  const pair = instancePairForSuite({ REDIS_URL, LIVE_CHECK_INTERVAL_MS: '60000' });

  it('revoking on one instance refuses the token on the other at once and closes its sockets there', async () => {
    const ada = await signup(pair.a);
    const bot = await createBot(pair.a, ada);
    const onB = await openSocket(pair.b.wsUrl, bot.token);
    expect((await pair.b.ok('{ me { id } }', {}, bot.token)).me.id).toBe(bot.id);
    await pair.a.ok(REVOKE, { b: bot.id }, ada.token);
    expect(codeOf(await pair.b.gql('{ me { id } }', {}, bot.token))).toBe('UNAUTHENTICATED');
    expect(await closedWithin(onB, 2000)).toBe(4401);
  });
});

describe.skipIf(relationalTargets.length < 2)('bot sockets when the announcement is lost (PostgreSQL)', () => {
  let server: TestServer;
  let storage: Awaited<ReturnType<typeof postgresTarget.provision>>;
  beforeAll(async () => {
    storage = await postgresTarget.provision();
    server = await TestServer.attach(storage, { LIVE_CHECK_INTERVAL_MS: '200' });
  });
  afterAll(async () => {
    await server?.stop();
    await storage?.dispose();
  });

  it('a token revoked behind the bus (no announcement) still closes the socket within the check interval', async () => {
    const ada = await signup(server);
    const bot = await createBot(server, ada);
    const socket = await openSocket(server.wsUrl, bot.token);
    const db = new pg.Client({ connectionString: storage.databaseUrl });
    await db.connect();
    try {
      await db.query('update users set bot_token_id = null where id = $1', [bot.id]);
    } finally {
      await db.end();
    }
    // Several check intervals, far less than forever: nothing but the check can close it.
    expect(await closedWithin(socket, 3000)).toBe(4401);
  });
});

describe.skipIf(!relationalTargets.includes(postgresTarget))('a bot token while PostgreSQL is down', () => {
  let pg: ProxiedPostgres;
  let proxy: CuttableProxy;
  let server: TestServer;
  beforeAll(async () => {
    pg = await serverBehindProxy({ DATABASE_CONNECT_TIMEOUT_MS: '1000' });
    ({ server, proxy } = pg);
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('cannot be checked: HTTP answers UNAVAILABLE (503), a new socket closes with 1013; both work again once it is back', async () => {
    const ada = await signup(server);
    const bot = await createBot(server, ada);
    proxy.cut();
    try {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bot.token}` },
        body: JSON.stringify({ query: '{ me { id } }' }),
      });
      expect(response.status).toBe(503);
      expect(codeOf((await response.json()) as GraphQLResponse)).toBe('UNAVAILABLE');
      expect(await refusedWith(server.wsUrl, bot.token)).toBe(1013);
    } finally {
      proxy.restore();
    }
    expect((await server.ok('{ me { id } }', {}, bot.token)).me.id).toBe(bot.id);
    expect(await refusedWith(server.wsUrl, bot.token)).toBe('acked');
  });
});
