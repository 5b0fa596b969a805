import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildServer } from '../support/child-server.js';
import { InstancePair, SHARED_JWT_SECRET } from '../support/instance-pair.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { TestServer } from '../support/server.js';
import { deploymentSetups, postgresTarget, relationalTargets } from '../support/targets.js';
import { until } from '../support/until.js';
import { directChat, signup, type TestUser } from '../support/users.js';
import { WebSocket } from 'ws';
import { createClient } from 'graphql-ws';

/** A short grace and fast beats: tests wait for both to run out. */
const PRESENCE = { PRESENCE_GRACE_MS: '400', PRESENCE_HEARTBEAT_MS: '1000' };
const GRACE_MS = 400;

const PRESENCE_CHANGED = `subscription { presenceChanged { id presence { status lastSeenAt } } }`;
const PRESENCE_OF = `query ($c: ID!) { chat(id: $c) { members { id presence { status lastSeenAt } } } }`;

interface Change {
  id: string;
  presence: { status: 'ONLINE' | 'OFFLINE'; lastSeenAt: string | null };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What one viewer's presenceChanged delivers, as `userId:STATUS`. */
function watchPresence(client: Client) {
  const changes: Change[] = [];
  let error: unknown = null;
  const stop = client.subscribe<{ presenceChanged: Change }>(
    { query: PRESENCE_CHANGED },
    { next: ({ data, errors }) => (errors ? (error = errors) : changes.push(data!.presenceChanged)), error: (e) => (error = e), complete: () => undefined },
  );
  return {
    changes,
    of: (user: TestUser) => changes.filter((c) => c.id === user.id).map((c) => c.presence.status),
    get error() {
      return error;
    },
    stop,
  };
}

/** An authenticated socket held open (presence counts sockets that passed connection_init). */
async function online(url: string, user: TestUser): Promise<Client> {
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${user.token}` },
    retryAttempts: 0,
    lazy: false,
    on: { connected: () => connected() },
    // A socket to an instance killed on purpose closes uncleanly: expected here.
    onNonLazyError: () => undefined,
  });
  await ready;
  return client;
}

async function presenceIn(server: { ok: TestServer['ok'] }, viewer: TestUser, chatId: string, user: TestUser) {
  const { chat } = await server.ok(PRESENCE_OF, { c: chatId }, viewer.token);
  return chat.members.find((m: { id: string }) => m.id === user.id).presence as Change['presence'];
}

/**
 * The watcher is live once its presenceChanged has seen a probe user come
 * online: a subscription has no acknowledgement of its own.
 */
async function liveWatch(server: TestServer, viewer: TestUser) {
  const client = server.wsClient(viewer.token);
  const watch = watchPresence(client);
  const probe = await signup(server);
  await directChat(server, viewer, probe);
  // Until the watch sees the probe come online; each miss waits out the grace, so the next try is a change again.
  for (let attempt = 0; ; attempt++) {
    const probeSocket = await online(server.url, probe);
    await pause(200);
    await probeSocket.dispose();
    if (watch.of(probe).includes('ONLINE')) break;
    if (attempt === 20) throw new Error('presenceChanged never went live');
    await pause(GRACE_MS * 2);
  }
  return { watch, close: async () => (watch.stop(), await client.dispose()) };
}

for (const { name, target, env } of deploymentSetups(REDIS_URL, redisSkipReason)) {
  describe(`presence on ${name}`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await TestServer.start(target, { ...env, ...PRESENCE });
    });
    afterAll(async () => server?.stop());

    it('shows a contact ONLINE while a socket of theirs is open, OFFLINE with when it closed once it is gone', async () => {
      const [ada, bob] = [await signup(server), await signup(server)];
      const chatId = await directChat(server, ada, bob);
      expect(await presenceIn(server, ada, chatId, bob)).toEqual({ status: 'OFFLINE', lastSeenAt: null });
      const { watch, close } = await liveWatch(server, ada);
      try {
        const bobSocket = await online(server.url, bob);
        await until(() => watch.of(bob).length === 1);
        expect(await presenceIn(server, ada, chatId, bob)).toEqual({ status: 'ONLINE', lastSeenAt: null });
        const closedAt = Date.now();
        await bobSocket.dispose();
        await until(() => watch.of(bob).length === 2);
        expect(watch.of(bob)).toEqual(['ONLINE', 'OFFLINE']);
        const offline = watch.changes.filter((c) => c.id === bob.id)[1]!.presence;
        expect(Math.abs(Date.parse(offline.lastSeenAt!) - closedAt)).toBeLessThan(GRACE_MS);
        expect(await presenceIn(server, ada, chatId, bob)).toEqual(offline);
      } finally {
        await close();
      }
    });

    it('shows no OFFLINE/ONLINE pair for a reconnect within the grace, nor for a second tab', async () => {
      const [ada, bob] = [await signup(server), await signup(server)];
      await directChat(server, ada, bob);
      const { watch, close } = await liveWatch(server, ada);
      try {
        const first = await online(server.url, bob);
        await until(() => watch.of(bob).length === 1);
        const secondTab = await online(server.url, bob);
        await first.dispose();
        await pause(GRACE_MS * 2);
        // A reload: the last socket closes and another opens at once.
        await secondTab.dispose();
        const reloaded = await online(server.url, bob);
        await pause(GRACE_MS * 2);
        expect(watch.of(bob)).toEqual(['ONLINE']);
        await reloaded.dispose();
        await until(() => watch.of(bob).length === 2);
        expect(watch.of(bob)).toEqual(['ONLINE', 'OFFLINE']);
      } finally {
        await close();
      }
    });

    it('shows a stranger OFFLINE and never seen, and tells them nothing; a chat joined later makes them contacts', async () => {
      const [ada, eve] = [await signup(server), await signup(server)];
      const { watch, close } = await liveWatch(server, eve);
      const adaSocket = await online(server.url, ada);
      try {
        const { users } = await server.ok(`query ($s: String!) { users(search: $s) { id presence { status lastSeenAt } } }`, { s: ada.username }, eve.token);
        expect(users).toEqual([{ id: ada.id, presence: { status: 'OFFLINE', lastSeenAt: null } }]);
        await pause(300);
        expect(watch.of(ada)).toEqual([]);
        // A chat with eve: from now on she hears about ada.
        await directChat(server, ada, eve);
        await pause(200);
        await adaSocket.dispose();
        await until(() => watch.of(ada).length === 1);
        expect(watch.of(ada)).toEqual(['OFFLINE']);
      } finally {
        await close();
      }
    });

    it('stops telling someone who left the only group they shared', async () => {
      const [ada, bob, carol] = [await signup(server), await signup(server), await signup(server)];
      const { createGroupChat } = await server.ok(`mutation ($m: [ID!]!) { createGroupChat(title: "p", memberIds: $m) { id } }`, { m: [bob.id, carol.id] }, ada.token);
      const { watch, close } = await liveWatch(server, bob);
      try {
        const carolSocket = await online(server.url, carol);
        await until(() => watch.of(carol).length === 1);
        await server.ok(`mutation ($c: ID!) { leaveChat(chatId: $c) }`, { c: createGroupChat.id }, bob.token);
        await pause(200);
        await carolSocket.dispose();
        await pause(GRACE_MS * 3);
        expect(watch.of(carol)).toEqual(['ONLINE']);
      } finally {
        await close();
      }
    });
  });
}

const canRunPair = !redisSkipReason && relationalTargets.includes(postgresTarget);
(canRunPair ? describe : describe.skip)('presence across instances (PostgreSQL + Redis)', () => {
  let pair: InstancePair;
  beforeAll(async () => {
    pair = await InstancePair.start({ REDIS_URL, ...PRESENCE });
  });
  afterAll(async () => pair?.stop());

  it('is ONLINE while a socket is open on either instance and OFFLINE once none is, told once on each', async () => {
    const [ada, bob] = [await signup(pair.a), await signup(pair.a)];
    const chatId = await directChat(pair.a, ada, bob);
    const { watch, close } = await liveWatch(pair.a, ada);
    try {
      const onB = await online(pair.b.url, bob);
      await until(() => watch.of(bob).length === 1);
      expect(await presenceIn(pair.a, ada, chatId, bob)).toMatchObject({ status: 'ONLINE' });
      const onA = await online(pair.a.url, bob);
      await onB.dispose();
      await pause(GRACE_MS * 3);
      expect(watch.of(bob)).toEqual(['ONLINE']);
      await onA.dispose();
      await until(() => watch.of(bob).length === 2);
      expect(watch.of(bob)).toEqual(['ONLINE', 'OFFLINE']);
      expect(await presenceIn(pair.b, ada, chatId, bob)).toMatchObject({ status: 'OFFLINE' });
    } finally {
      await close();
    }
  });

  it('shows no OFFLINE/ONLINE pair for users of an instance that shuts down gracefully and who reconnect elsewhere within the grace', async () => {
    // A rolling restart: the leaving instance's users get its grace to come back on another.
    const leaving = await TestServer.attach(pair.storage, { JWT_SECRET: SHARED_JWT_SECRET, REDIS_URL, ...PRESENCE, PRESENCE_GRACE_MS: '3000' });
    try {
      const [ada, bob] = [await signup(pair.a), await signup(pair.a)];
      await directChat(pair.a, ada, bob);
      const { watch, close } = await liveWatch(pair.a, ada);
      try {
        await online(leaving.url, bob);
        await until(() => watch.of(bob).length === 1);
        await leaving.stop();
        const back = await online(pair.b.url, bob);
        await pause(4000);
        expect(watch.of(bob)).toEqual(['ONLINE']);
        await back.dispose();
        await until(() => watch.of(bob).length === 2);
        expect(watch.of(bob)).toEqual(['ONLINE', 'OFFLINE']);
      } finally {
        await close();
      }
    } finally {
      await leaving.stop();
    }
  });

  it('takes the users of an instance killed with SIGKILL offline within a few beats', async () => {
    const child = await ChildServer.start({ DATABASE_URL: pair.storage.databaseUrl!, REDIS_URL, JWT_SECRET: SHARED_JWT_SECRET, ...PRESENCE });
    try {
      const [ada, bob] = [await signup(pair.a), await signup(pair.a)];
      const chatId = await directChat(pair.a, ada, bob);
      const { watch, close } = await liveWatch(pair.a, ada);
      try {
        await online(child.url, bob);
        await until(() => watch.of(bob).length === 1);
        const killedAt = Date.now();
        await child.kill();
        // Three missed beats of 1 s, then the next beat of a survivor (the 60 s bound at default settings is four beats of 15 s).
        await until(() => watch.of(bob).length === 2, 15_000);
        expect(watch.of(bob)).toEqual(['ONLINE', 'OFFLINE']);
        const seen = Date.parse(watch.changes.filter((c) => c.id === bob.id)[1]!.presence.lastSeenAt!);
        // Last seen at the dead instance's last beat.
        expect(killedAt - seen).toBeLessThanOrEqual(1500);
        expect(killedAt - seen).toBeGreaterThanOrEqual(-100);
        expect(await presenceIn(pair.b, ada, chatId, bob)).toMatchObject({ status: 'OFFLINE' });
      } finally {
        await close();
      }
    } finally {
      await child.kill();
    }
  });
});
