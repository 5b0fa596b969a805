import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, subscribeMessages, TestServer, type GraphQLResponse } from '../support/server.js';
import { postgresTarget } from '../support/targets.js';
import { directChat, send, signup, type TestUser } from '../support/users.js';

const CAP = 2;
const HEAVY = `query ($c: ID!) { chats(first: 100) { edges { node { id members { id username } lastMessage { body } } } } messages(chatId: $c, last: 100) { edges { node { body sender { username } } } } }`;

/** One query over a fresh graphql-ws socket (a second tab): its result. */
async function overSocket(server: TestServer, token: string, query: string, variables: Record<string, unknown>): Promise<GraphQLResponse> {
  const client = server.wsClient(token);
  try {
    return await new Promise<GraphQLResponse>((resolve, reject) => {
      let result: GraphQLResponse | undefined;
      client.subscribe({ query, variables }, { next: (value) => void (result = value as GraphQLResponse), error: reject, complete: () => resolve(result!) });
    });
  } finally {
    await client.dispose();
  }
}

// Counting operations is above the storage ports: one engine is enough. PostgreSQL, over the network, so that operations overlap (PGlite answers within the same turn).
describe('MAX_CONCURRENT_OPERATIONS_PER_USER', () => {
  let server: TestServer;
  let ada: TestUser;
  let bob: TestUser;
  let chatId: string;

  beforeAll(async () => {
    server = await TestServer.start(postgresTarget, { MAX_CONCURRENT_OPERATIONS_PER_USER: String(CAP), MAX_SOCKETS_PER_USER: '50' });
    [ada, bob] = [await signup(server), await signup(server)];
    chatId = await directChat(server, ada, bob);
    for (let i = 0; i < 20; i++) await send(server, bob, chatId, `history ${i}`);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses what one user runs at once past the cap with RATE_LIMITED and retryAfterMs, over HTTP and WebSocket together', async () => {
    const results = await Promise.all([
      ...Array.from({ length: 16 }, () => server.gql(HEAVY, { c: chatId }, ada.token)),
      ...Array.from({ length: 4 }, () => overSocket(server, ada.token, HEAVY, { c: chatId })),
    ]);
    const refused = results.filter((r) => codeOf(r) === 'RATE_LIMITED');
    const answered = results.filter((r) => !r.errors && r.data);
    expect(refused.length, 'some were refused').toBeGreaterThan(0);
    expect(answered.length, 'some ran').toBeGreaterThanOrEqual(CAP);
    expect(refused.length + answered.length, 'nothing failed otherwise').toBe(results.length);
    for (const r of refused) expect((r.errors![0]!.extensions as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0);
  });

  it('gives every slot back: afterwards, one at a time, nothing is refused', async () => {
    for (let i = 0; i < 2 * CAP + 2; i++) expect(codeOf(await server.gql(HEAVY, { c: chatId }, ada.token))).toBeUndefined();
  });

  it('counts per user: a burst of one does not refuse another', async () => {
    const burst = Promise.all(Array.from({ length: 16 }, () => server.gql(HEAVY, { c: chatId }, ada.token)));
    expect(codeOf(await server.gql(HEAVY, { c: chatId }, bob.token))).toBeUndefined();
    await burst;
  });

  it('does not count live subscriptions', async () => {
    const client = server.wsClient(ada.token);
    // From seq 0: each replays the history first, so each is running once it has delivered one.
    const subscriptions = Array.from({ length: CAP + 1 }, () => subscribeMessages(client, chatId, 0));
    for (const subscription of subscriptions) await subscription.waitFor(1);
    expect(codeOf(await server.gql(HEAVY, { c: chatId }, ada.token))).toBeUndefined();
    expect(codeOf(await overSocket(server, ada.token, HEAVY, { c: chatId }))).toBeUndefined();
    for (const subscription of subscriptions) subscription.close();
    await client.dispose();
  });
});
