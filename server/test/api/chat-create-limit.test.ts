import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { codeOf, TestServer } from '../support/server.js';
import { pgliteTarget, relationalTargets } from '../support/targets.js';
import { signup } from '../support/users.js';

const GROUP = `mutation ($m: [ID!]!) { createGroupChat(title: "g", memberIds: $m) { id } }`;
const DIRECT = `mutation ($u: ID!) { createDirectChat(userId: $u) { id } }`;
const CHAT_COUNT = `{ chats(first: 100) { edges { node { id } } } }`;

// Counted in the rate limiter: in process on the embedded setup, in Redis with REDIS_URL.
const setups = [
  { name: 'pglite, in-process limiter', target: pgliteTarget, env: {} as Record<string, string> },
  ...(redisSkipReason
    ? []
    : relationalTargets.filter((t) => t.name === 'postgres').map((target) => ({ name: 'postgres, Redis limiter', target, env: { REDIS_URL } }))),
];

describe.each(setups)('CHAT_CREATE_RATE_LIMIT ($name)', ({ target, env }) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start(target, { ...env, CHAT_CREATE_RATE_LIMIT: '3/3600s' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('caps the chats one user creates, direct and group alike, before anything is written', async () => {
    const [ada, bob, cy, dee] = [await signup(server), await signup(server), await signup(server), await signup(server)];
    expect(codeOf(await server.gql(GROUP, { m: [bob.id] }, ada.token))).toBeUndefined();
    expect(codeOf(await server.gql(DIRECT, { u: bob.id }, ada.token))).toBeUndefined();
    expect(codeOf(await server.gql(GROUP, { m: [] }, ada.token))).toBeUndefined();
    const refused = await server.gql(DIRECT, { u: cy.id }, ada.token);
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    expect((refused.errors?.[0].extensions as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(3_500_000);
    expect(codeOf(await server.gql(GROUP, { m: [dee.id] }, ada.token))).toBe('RATE_LIMITED');
    expect((await server.ok(CHAT_COUNT, {}, ada.token)).chats.edges).toHaveLength(3);
    expect((await server.ok(CHAT_COUNT, {}, cy.token)).chats.edges).toHaveLength(0);
    // Opening a direct chat the pair already has creates nothing and is not refused.
    expect(codeOf(await server.gql(DIRECT, { u: bob.id }, ada.token))).toBeUndefined();
    // Per user: the others still start chats, with ada too.
    expect(codeOf(await server.gql(DIRECT, { u: ada.id }, cy.token))).toBeUndefined();
    // Bad input costs nothing: it is refused before it is counted.
    expect(codeOf(await server.gql(`mutation { createGroupChat(title: " ", memberIds: []) { id } }`, {}, dee.token))).toBe('BAD_USER_INPUT');
    for (let i = 0; i < 3; i++) expect(codeOf(await server.gql(GROUP, { m: [] }, dee.token))).toBeUndefined();
  });
});
