import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { codeOf, TestServer } from '../support/server.js';
import { postgresTarget, relationalTargets } from '../support/targets.js';
import { directChat, signup, type TestUser } from '../support/users.js';
import { instancePairForSuite } from '../support/instance-pair.js';

const canRun = !redisSkipReason && relationalTargets.includes(postgresTarget);
const suite = canRun ? describe : describe.skip;
if (!canRun) console.warn('SKIPPED seq contention suite: it needs the machine PostgreSQL and Redis');

const SEND = `mutation ($c: ID!, $b: String!, $k: String) { sendMessage(chatId: $c, body: $b, clientId: $k) { messageId } }`;
const PAGE = `query ($c: ID!, $after: String) {
  messages(chatId: $c, first: 100, after: $after) { edges { node { id seq body } } pageInfo { hasNextPage endCursor } }
}`;

/** Sends per instance, and how many each keeps in flight: full speed for the machine, far past a few collisions. */
const SENDS_PER_INSTANCE = 1500;
const IN_FLIGHT = 32;

/**
 * Two instances, each with its own in-process event log and persister, on
 * one PostgreSQL and Redis (the shape of a deployment without Kafka): both persisters number the same chat at once. Contention
 * must cost time, never an answer.
 */
suite('two instances writing one chat at full speed', () => {
  const pair = instancePairForSuite({ REDIS_URL });

  async function sendAll(server: TestServer, user: TestUser, chatId: string, prefix: string): Promise<string[]> {
    const failures: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let i = next++; i < SENDS_PER_INSTANCE; i = next++) {
          const answer = await server.gql(SEND, { c: chatId, b: `${prefix} ${i}`, k: `${prefix}-${i}` }, user.token);
          if (answer.errors) failures.push(`${prefix} ${i}: ${codeOf(answer)} ${answer.errors[0].message}`);
        }
      }),
    );
    return failures;
  }

  it('answers every send, and stores each once with seqs 1..N', async () => {
    const { a, b } = pair;
    const ada = await signup(a);
    const bob = await signup(b);
    const chatId = await directChat(a, ada, bob);
    const failures = (await Promise.all([sendAll(a, ada, chatId, 'a'), sendAll(b, bob, chatId, 'b')])).flat();
    expect(failures.slice(0, 5)).toEqual([]);
    expect(failures).toHaveLength(0);

    const stored: { id: string; seq: number; body: string }[] = [];
    for (let after: string | null = null; ; ) {
      const page: any = await a.ok(PAGE, { c: chatId, after }, ada.token);
      stored.push(...page.messages.edges.map((e: { node: { id: string; seq: number; body: string } }) => e.node));
      if (!page.messages.pageInfo.hasNextPage) break;
      after = page.messages.pageInfo.endCursor;
    }
    const total = 2 * SENDS_PER_INSTANCE;
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(stored.map((m) => m.body)).size).toBe(total);
    expect(new Set(stored.map((m) => m.id)).size).toBe(total);
    const chat: any = await b.ok(`query ($c: ID!) { chat(id: $c) { lastMessage { seq } } }`, { c: chatId }, bob.token);
    expect(chat.chat.lastMessage.seq).toBe(total);
  });
});
