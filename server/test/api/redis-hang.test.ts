import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { messageIdFor } from '../../src/domain/ids.js';
import type { MessageEnvelope } from '../../src/event-log/port.js';
import { SqlMessageStore } from '../../src/message-store/sql-message-store.js';
import type { RealtimeBus } from '../../src/realtime/port.js';
import { RedisRealtimeBus } from '../../src/realtime/redis-realtime-bus.js';
import { SqlChatRepository } from '../../src/relational/chat-repository.js';
import { migrate, openRelational, type RelationalOrm } from '../../src/relational/orm.js';
import { SqlUserRepository } from '../../src/relational/user-repository.js';
import { silentLogger } from '../../src/observability/log.js';
import { connectRedis, startRedis } from '../../src/support/redis.js';
import { Persister } from '../../src/domain/persister.js';
import { DisposableRedis, redisSkipReason, singleNode } from '../support/redis.js';
import { TestServer } from '../support/server.js';
import { pgliteTarget, relationalTargets } from '../support/targets.js';
import { directChat, send, signup } from '../support/users.js';

const suite = redisSkipReason ? describe.skip : describe;

/** Longer than any test here runs: the Redis stays hung until it is killed. */
const HANG_MS = 120_000;

/**
 * A Redis that accepts connections but never answers (its own redis-server,
 * paused with CLIENT PAUSE): live delivery stalls, and sends must not.
 */
suite('a hung Redis', () => {
  const started: DisposableRedis[] = [];
  const hungRedis = async () => {
    const redis = await DisposableRedis.start();
    started.push(redis);
    return redis;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((r) => r.stop()));
  });

  describe.each(relationalTargets)('API on $name', (target) => {
    it('sends succeed and are stored while Redis hangs', async () => {
      const redis = await hungRedis();
      const server = await TestServer.start(target, { REDIS_URL: redis.url });
      try {
        const ada = await signup(server);
        const bob = await signup(server);
        const chatId = await directChat(server, ada, bob);
        await redis.hang(HANG_MS);
        const sent = await Promise.all([1, 2, 3].map((i) => send(server, ada, chatId, `while Redis hangs ${i}`)));
        expect(sent.every((s) => s.chatId === chatId)).toBe(true);
        const history = await server.ok(`query ($c: ID!) { messages(chatId: $c) { edges { node { id seq } } } }`, { c: chatId }, bob.token);
        expect(history.messages.edges.map((e: { node: { id: string } }) => e.node.id).sort()).toEqual(sent.map((s) => s.messageId).sort());
      } finally {
        await redis.stop(); // before stop(): closing must not wait out the pause
        await server.stop();
      }
    });
  });

  describe('the in-process persister', () => {
    let storage: Awaited<ReturnType<typeof pgliteTarget.provision>>;
    let orm: RelationalOrm;
    beforeAll(async () => {
      storage = await pgliteTarget.provision();
      orm = await openRelational(storage);
      await migrate(orm);
    });
    afterAll(async () => {
      await orm?.close();
      await storage?.dispose();
    });

    it('counts a batch as handled once stored, without waiting for its publishes', async () => {
      const redis = await hungRedis();
      const connect = async (name: string, role?: 'subscriber') => singleNode(await startRedis(connectRedis(redis.url, name, silentLogger, role)));
      const inner = new RedisRealtimeBus(await connect('publisher'), await connect('subscriber', 'subscriber'), silentLogger);
      // The real Redis bus, watched: how many publishes were issued, and how many have settled.
      const seen = { issued: 0, settled: 0 };
      const bus: RealtimeBus = {
        publish: (channel, payload) => {
          seen.issued++;
          return inner.publish(channel, payload).finally(() => seen.settled++);
        },
        subscribe: (channel) => inner.subscribe(channel),
        ping: () => inner.ping(),
        close: () => inner.close(),
      };
      const users = new SqlUserRepository(orm);
      const chats = new SqlChatRepository(orm);
      const persister = new Persister(new SqlMessageStore(orm), chats, users, bus, silentLogger, { awaitPublish: false });
      try {
        const members = await Promise.all(
          [1, 2].map(() => users.create({ id: randomUUID(), username: `h_${randomBytes(5).toString('hex')}`, displayName: 'H', passwordHash: 'x' })),
        );
        const chat = await chats.create({ kind: 'GROUP', title: 'hung', memberIds: members.map((m) => m.id), directKey: null, ownerId: null });
        const envelopes: MessageEnvelope[] = [1, 2, 3].map((i) => {
          const clientId = randomUUID();
          const senderId = members[i % 2].id;
          return { messageId: messageIdFor(senderId, chat.id, clientId), chatId: chat.id, senderId, body: `m${i}`, clientId, acceptedAt: new Date().toISOString() };
        });
        await redis.hang(HANG_MS);
        expect(await persister.handle(envelopes)).toEqual([]);
        // Handled: stored and recorded, its publishes issued in order but still waiting on Redis.
        expect(seen).toEqual({ issued: 3, settled: 0 });
        expect(await chats.findById(chat.id)).toMatchObject({ lastSeq: 3 });
      } finally {
        await redis.stop();
        await persister.idle();
        await bus.close();
      }
    });
  });
});
