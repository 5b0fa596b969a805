import { Command, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, subscribeMessages, TestServer } from '../support/server.js';
import { postgresTarget, relationalTargets } from '../support/targets.js';
import { expectDeliveryAcross, InstancePair } from '../support/instance-pair.js';
import { clusterSkipReason, RedisClusterProcesses } from '../support/redis-cluster.js';
import { directChat, send, signup, type TestUser } from '../support/users.js';
import { until } from '../support/until.js';

const reason = clusterSkipReason ?? (relationalTargets.includes(postgresTarget) ? null : 'the machine PostgreSQL is not reachable');
const suite = reason ? describe.skip : describe;
if (reason) console.warn(`SKIPPED Redis Cluster suite: ${reason}`);

/** The bus channel of a chat (realtime/events.ts) and its cluster slot. */
const channelOf = (chatId: string) => `chat.${chatId}.events`;
const slotOf = (name: string) => new Command('spublish', [name, '']).getSlot();

suite('two API instances on PostgreSQL and a Redis Cluster (three masters, each with a replica)', () => {
  let cluster: RedisClusterProcesses;
  let pair: InstancePair;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    cluster = await RedisClusterProcesses.start({ masters: 3, replicas: 1 });
    pair = await InstancePair.start({ REDIS_CLUSTER_NODES: cluster.env, SEND_RATE_LIMIT: '12/60s' });
    ({ a, b } = pair);
  }, 90_000);
  afterAll(async () => {
    await pair?.stop();
    await cluster?.stop();
  });

  /** The masters now serving slots (a killed master's replica once it took over). */
  const masters = async (): Promise<number[]> => [...new Set(await Promise.all(Array.from({ length: 16 }, (_, i) => cluster.masterOf(i * 1024))))];

  it('delivers messages sent through either instance to subscribers on both, once and in seq order', async () => {
    await expectDeliveryAcross(a, b);
  });

  it('publishes on the chat’s shard only: sharded pub/sub, not a broadcast to every node', async () => {
    const ada = await signup(a);
    const bob = await signup(a);
    const chatId = await directChat(a, ada, bob);
    const channel = channelOf(chatId);
    const owner = await cluster.masterOf(slotOf(channel));
    // A classic subscriber on every node: a classic PUBLISH in a cluster reaches all of them.
    const classic = await Promise.all(
      cluster.nodes.map(async ({ port }) => {
        const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
        const heard: string[] = [];
        client.on('message', (_channel: string, message: string) => heard.push(message));
        await client.connect();
        await client.subscribe(channel);
        return { client, heard };
      }),
    );
    const ws = b.wsClient(bob.token);
    const live = subscribeMessages(ws, chatId, 0);
    try {
      await send(a, ada, chatId, 'hello shard');
      expect((await live.waitFor(1)).map((m) => m.body)).toEqual(['hello shard']);
      // Both instances' subscriptions sit on the owning master; no other master knows the channel.
      for (const port of await masters()) {
        const listed = (await cluster.on(port, (r) => r.call('PUBSUB', 'SHARDCHANNELS', channel))) as string[];
        expect({ port, listed }).toEqual({ port, listed: port === owner ? [channel] : [] });
      }
      expect(Number(await cluster.on(owner, (r) => r.call('PUBSUB', 'SHARDNUMSUB', channel).then((x) => (x as [string, number])[1])))).toBeGreaterThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 200));
      expect(classic.flatMap((c) => c.heard)).toEqual([]);
    } finally {
      live.close();
      await ws.dispose();
      for (const c of classic) c.client.disconnect();
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
    expect(codeOf(await sendVia(b, 12))).toBe('RATE_LIMITED');
    expect(codeOf(await sendVia(a, 13))).toBe('RATE_LIMITED');
  });

  it('enforces a membership change made on one instance on the other at once', async () => {
    const [ada, bob, cy] = [await signup(a), await signup(a), await signup(a)];
    const group = await a.ok(`mutation ($m: [ID!]!) { createGroupChat(title: "team", memberIds: $m) { id } }`, { m: [bob.id, cy.id] }, ada.token);
    const chatId = group.createGroupChat.id;
    await send(b, bob, chatId, 'hello from bob'); // warms b's cache for the chat
    expect((await a.ok(`mutation ($c: ID!) { leaveChat(chatId: $c) }`, { c: chatId }, bob.token)).leaveChat).toBe(true);
    const sendOnB = await b.gql(`mutation ($c: ID!) { sendMessage(chatId: $c, body: "still here?") { messageId } }`, { c: chatId }, bob.token);
    expect(codeOf(sendOnB)).toBe('FORBIDDEN');
  });

  it('survives the death of a master: its subscriptions end UNAVAILABLE, the replica takes over, delivery resumes by afterSeq; other shards carry on', async () => {
    const ada = await signup(a);
    const bob = await signup(b);
    // Two chats whose channels live on different masters.
    const doomedChat = await directChat(a, ada, bob);
    const doomed = await cluster.masterOf(slotOf(channelOf(doomedChat)));
    let otherChat: string;
    let other: TestUser;
    for (;;) {
      other = await signup(a);
      otherChat = await directChat(a, other, bob);
      if ((await cluster.masterOf(slotOf(channelOf(otherChat)))) !== doomed) break;
    }
    const ws = b.wsClient(bob.token);
    const onDoomed = subscribeMessages(ws, doomedChat, 0);
    const onOther = subscribeMessages(ws, otherChat, 0);
    try {
      await send(a, ada, doomedChat, 'before');
      await send(a, other, otherChat, 'before');
      expect((await onDoomed.waitFor(1)).map((m) => m.seq)).toEqual([1]);
      expect((await onOther.waitFor(1)).map((m) => m.seq)).toEqual([1]);

      await cluster.kill(doomed);
      // The subscriptions of the dead shard end so that clients resume by seq.
      expect(JSON.stringify(await onDoomed.waitForError())).toContain('UNAVAILABLE');
      // Sends keep being stored meanwhile (through either instance), whether or not their publish lands.
      const sent: string[] = [];
      await until(async () => {
        const result = await a.gql(`mutation ($c: ID!, $b: String!) { sendMessage(chatId: $c, body: $b) { messageId } }`, { c: doomedChat, b: `during ${sent.length}` }, ada.token);
        if (!codeOf(result)) sent.push(`during ${sent.length}`);
        return sent.length >= 2;
      }, 20_000);

      // The replica takes over; readiness says so on both instances.
      await until(async () => !(await masters()).includes(doomed), 30_000);
      await cluster.untilHealthy(30_000);
      await until(async () => (await a.readiness()).status === 200 && (await b.readiness()).status === 200, 20_000);

      const resumed = subscribeMessages(ws, doomedChat, 1);
      expect((await resumed.waitFor(2)).map((m) => m.body)).toEqual(sent);
      await send(a, ada, doomedChat, 'after');
      expect((await resumed.waitFor(3)).at(-1)).toMatchObject({ seq: 4, body: 'after' });
      resumed.close();

      // The other shard's subscription was never interrupted.
      await send(a, other, otherChat, 'after');
      expect((await onOther.waitFor(2)).map((m) => m.body)).toEqual(['before', 'after']);
      expect(onOther.errors).toEqual([]);
    } finally {
      onDoomed.close();
      onOther.close();
      await ws.dispose();
    }
  }, 90_000);
});
