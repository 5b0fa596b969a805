import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, TestServer } from '../support/server.js';
import { relationalTargets } from '../support/targets.js';
import { directChat, send, signup, type TestUser } from '../support/users.js';

const PAGE = `query ($c: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  messages(chatId: $c, first: $first, after: $after, last: $last, before: $before) {
    edges { node { seq } }
    pageInfo { hasNextPage hasPreviousPage }
  }
}`;
const CHATS = `query ($a: String) { chats(first: 10, after: $a) { edges { node { id } } } }`;
const cursor = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const SEQ_MAX = 2 ** 31 - 1;
/** 9999-12-31T23:59:59.999Z, the last instant both JavaScript and PostgreSQL write as a four-digit year. */
const TIME_MAX = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const ZERO_ID = '00000000-0000-0000-0000-000000000000';

// Seqs are PostgreSQL integers and cursor times timestamptz on both engines: each refuses out-of-range values its own way.
describe.each(relationalTargets)('cursor bounds on $name', (target) => {
  let server: TestServer;
  let ada: TestUser;
  let chatId: string;

  beforeAll(async () => {
    server = await TestServer.start(target);
    const bob = await signup(server);
    ada = await signup(server);
    chatId = await directChat(server, ada, bob);
    for (let i = 1; i <= 3; i++) await send(server, ada, chatId, `m${i}`);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const page = (args: Record<string, unknown>) => server.gql(PAGE, { c: chatId, ...args }, ada.token);

  it('a message cursor beyond the largest seq is BAD_USER_INPUT', async () => {
    for (const seq of ['9999999999', String(SEQ_MAX + 1), '4294967296']) {
      for (const args of [{ after: cursor(`m:${seq}`) }, { before: cursor(`m:${seq}`) }, { last: 5, before: cursor(`m:${seq}`) }]) {
        expect(codeOf(await page(args)), JSON.stringify(args)).toBe('BAD_USER_INPUT');
      }
    }
  });

  it('a message cursor at the largest seq pages without overflowing', async () => {
    const before = await page({ last: 2, before: cursor(`m:${SEQ_MAX}`) });
    expect(before.errors).toBeUndefined();
    expect(before.data.messages.edges.map((e: { node: { seq: number } }) => e.node.seq)).toEqual([2, 3]);
    expect(before.data.messages.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true });
    const after = await page({ first: 2, after: cursor(`m:${SEQ_MAX}`) });
    expect(after.errors).toBeUndefined();
    expect(after.data.messages.edges).toEqual([]);
  });

  it('a chat cursor outside the years 1970..9999 is BAD_USER_INPUT; at the edge it works', async () => {
    for (const ms of [TIME_MAX + 1, 10 ** 15 - 1, 8_640_000_000_000_000]) {
      expect(codeOf(await server.gql(CHATS, { a: cursor(`c:${ms}:${ZERO_ID}`) }, ada.token)), String(ms)).toBe('BAD_USER_INPUT');
    }
    // The id part must be a UUID too: the engines refuse anything else in a uuid comparison.
    expect(codeOf(await server.gql(CHATS, { a: cursor(`c:1000:${'-'.repeat(36)}`) }, ada.token))).toBe('BAD_USER_INPUT');
    const edge = await server.gql(CHATS, { a: cursor(`c:${TIME_MAX}:${ZERO_ID}`) }, ada.token);
    expect(edge.errors).toBeUndefined();
    expect(edge.data.chats.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([chatId]);
  });
});
