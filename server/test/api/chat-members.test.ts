import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/domain/limits.js';
import { codeOf, TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';
import { signup, type TestUser } from '../support/users.js';

const GROUP = `mutation ($t: String!, $m: [ID!]!) { createGroupChat(title: $t, memberIds: $m) { id } }`;
const MEMBERS = `query ($c: ID!, $n: Int) { chat(id: $c) { memberCount members(first: $n) { id } } }`;
const DEFAULT_PAGE = `query ($c: ID!) { chat(id: $c) { memberCount members { id } } }`;

// Paging members is above the storage ports: one engine is enough.
describe('Chat.members is a bounded page; Chat.memberCount counts them all', () => {
  let server: TestServer;
  let owner: TestUser;
  let chatId: string;
  const others: TestUser[] = [];

  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget);
    owner = await signup(server);
    for (let i = 0; i < 4; i++) others.push(await signup(server));
    chatId = (await server.ok(GROUP, { t: 'five', m: others.map((u) => u.id) }, owner.token)).createGroupChat.id;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('returns at most `first` members and counts every member', async () => {
    const page = (await server.ok(MEMBERS, { c: chatId, n: 2 }, owner.token)).chat;
    expect(page.members).toHaveLength(2);
    expect(page.memberCount).toBe(5);
    const all = (await server.ok(DEFAULT_PAGE, { c: chatId }, owner.token)).chat;
    expect(all.members.map((m: { id: string }) => m.id).sort()).toEqual([owner.id, ...others.map((u) => u.id)].sort());
    expect(all.memberCount).toBe(5);
  });

  it(`refuses a page size outside 1..${LIMITS.pageMax} with BAD_USER_INPUT`, async () => {
    for (const n of [0, -1, LIMITS.pageMax + 1]) {
      const result = await server.gql(MEMBERS, { c: chatId, n }, owner.token);
      expect(codeOf(result), String(n)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.message).toContain(`between 1 and ${LIMITS.pageMax}`);
    }
  });
});
