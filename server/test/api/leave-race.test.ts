import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeMessages, TestServer } from '../support/server.js';
import { postgresTarget, relationalTargets } from '../support/targets.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { send, signup } from '../support/users.js';
import { instancePairForSuite } from '../support/instance-pair.js';

const canRun = !redisSkipReason && relationalTargets.includes(postgresTarget);
const suite = canRun ? describe : describe.skip;
if (!canRun) console.warn('SKIPPED leave race suite: it needs the machine PostgreSQL and Redis');

/** Subscriptions opened on one instance per round, spread over a few sockets, while the other runs leaveChat. */
const SUBSCRIPTIONS = 300;
const SOCKETS = 10;
const ROUNDS = 3;

/** A socket that has finished connection_init, so its subscriptions reach the server together. */
async function connected(server: TestServer, token: string): Promise<Client> {
  let resolve!: () => void;
  const ready = new Promise<void>((r) => (resolve = r));
  const client = server.wsClient(token, { lazy: false, on: { connected: () => resolve() } });
  await ready;
  return client;
}

suite('leaving a group while subscriptions open on another instance (PostgreSQL + Redis)', () => {
  const pair = instancePairForSuite({ REDIS_URL });

  it('never lets the leaver receive a message sent after the leave, on any subscription', async () => {
    const { a, b } = pair;
    for (let round = 0; round < ROUNDS; round++) {
      const [ada, bob] = [await signup(a), await signup(a)];
      const group = await a.ok(`mutation ($m: [ID!]!) { createGroupChat(title: "race", memberIds: $m) { id } }`, { m: [bob.id] }, ada.token);
      const chatId: string = group.createGroupChat.id;
      await send(a, ada, chatId, 'before the leave');

      const sockets = await Promise.all(Array.from({ length: SOCKETS }, () => connected(b, bob.token)));
      // Half resume from 0 (replay, then live), half start at the chat's end.
      const subs = Array.from({ length: SUBSCRIPTIONS }, (_, i) => subscribeMessages(sockets[i % SOCKETS], chatId, i % 2 ? 0 : undefined));
      const control = b.wsClient(ada.token);
      try {
        // The leave runs while b is busy opening them.
        await a.ok(`mutation ($c: ID!) { leaveChat(chatId: $c) }`, { c: chatId }, bob.token);
        // Sent after the leave: none of these may reach bob. Once ada's own subscription on b has
        // them all, b has received every publish.
        const watch = subscribeMessages(control, chatId, 1);
        for (let i = 1; i <= 3; i++) await send(a, ada, chatId, `after the leave ${i}`);
        expect((await watch.waitFor(3)).map((m) => m.seq)).toEqual([2, 3, 4]);

        const leaked = subs.filter((sub) => sub.events.some((m) => m.seq > 1));
        expect(leaked.length, `round ${round}: subscriptions that delivered a message sent after the leave`).toBe(0);
        // And every one of them ends: FORBIDDEN at subscribe time, or when the leave reaches it.
        for (const sub of subs) expect(JSON.stringify(await sub.waitForError())).toContain('FORBIDDEN');
      } finally {
        for (const sub of subs) sub.close();
        await Promise.all([...sockets, control].map((s) => s.dispose()));
      }
    }
  });
});
