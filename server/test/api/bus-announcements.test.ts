import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingLogger } from '../support/log-lines.js';
import { DisposableRedis, redisClients, redisSkipReason } from '../support/redis.js';
import { TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';
import { send, signup } from '../support/users.js';

/*
 * Chat list announcements (chatJoined, chatRead) and memberLeft go out on the
 * realtime bus after the database change is committed. With Redis hung
 * (`CLIENT PAUSE WRITE` on a private redis-server, never the shared one) the
 * mutation must still answer promptly, its change committed, and the lost
 * announcement be logged: chat lists catch up on their next query and the
 * live check cuts off a leaver's subscriptions.
 */

const suite = redisSkipReason ? describe.skip : describe;


suite('announcements on a hung Redis', () => {
  let redis: DisposableRedis;
  let server: TestServer;
  let admin: Redis;
  // Warnings are collected so a test can see a failure was reported rather than swallowed.
  const { logger, lines } = recordingLogger('warn');
  const clients = redisClients();

  beforeAll(async () => {
    redis = await DisposableRedis.start();
    admin = await clients.connect(redis.url);
    server = await TestServer.start(pgliteTarget, { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '300' }, logger);
  });
  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
  });

  it('answer within the Redis command timeout, keep the change, and log the lost announcement', async () => {
    const [ada, bob] = [await signup(server), await signup(server)];
    await admin.call('CLIENT', 'PAUSE', '600000', 'WRITE');
    const timed = async <T>(call: () => Promise<T>) => {
      const started = Date.now();
      const result = await call();
      return { result, ms: Date.now() - started };
    };
    try {
      const created = await timed(() =>
        server.ok(`mutation ($m: [ID!]!) { createGroupChat(title: "g", memberIds: $m) { id } }`, { m: [bob.id] }, ada.token),
      );
      expect(created.ms).toBeLessThan(1500);
      const group = created.result.createGroupChat.id as string;
      await send(server, ada, group, 'hello');
      const read = await timed(() => server.ok(`mutation ($c: ID!) { markRead(chatId: $c, seq: 1) { id unreadCount } }`, { c: group }, bob.token));
      expect(read.ms).toBeLessThan(1500);
      expect(read.result.markRead.unreadCount).toBe(0);
      const list = await server.ok(`{ chats { edges { node { id } } } }`, {}, bob.token);
      expect(list.chats.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(group);
      // Reported, once for the outage rather than once per mutation.
      expect(lines.filter((l) => l.level === 'warn' && /announcement/.test(l.msg))).toHaveLength(1);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE');
    }
  }, 30_000);
});
