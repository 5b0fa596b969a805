import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { codeOf, TestServer } from '../support/server.js';
import { deploymentSetups } from '../support/targets.js';
import { until } from '../support/until.js';
import { directChat, send, signup, type TestUser } from '../support/users.js';

const SEARCH = `query ($q: String!, $c: ID, $first: Int, $after: String) {
  searchMessages(query: $q, chatId: $c, first: $first, after: $after) {
    edges { cursor snippet node { id body chatId } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;

interface Edge {
  cursor: string;
  snippet: string;
  node: { id: string; body: string; chatId: string };
}

for (const { name, target, env } of deploymentSetups(REDIS_URL, redisSkipReason)) {
  describe(`searchMessages on ${name}`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await TestServer.start(target, env);
    });
    afterAll(async () => server?.stop());

    const search = async (viewer: TestUser, q: string, extra: Record<string, unknown> = {}) => {
      const data = await server.ok(SEARCH, { q, ...extra }, viewer.token);
      return data.searchMessages as { edges: Edge[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null } };
    };
    /** Sends are stored by the persister after they are accepted: wait until the search sees them. */
    const searchUntil = async (viewer: TestUser, q: string, count: number, extra: Record<string, unknown> = {}) => {
      let edges: Edge[] = [];
      await until(async () => (edges = (await search(viewer, q, extra)).edges).length === count);
      return edges;
    };

    it('finds what was said in the viewer’s chats, with the match marked in a one-line snippet', async () => {
      const [ada, bob, eve] = [await signup(server), await signup(server), await signup(server)];
      const chatId = await directChat(server, ada, bob);
      const theirs = await directChat(server, bob, eve);
      await send(server, ada, chatId, 'Shall we meet at the\nlighthouse tomorrow?');
      await send(server, bob, theirs, 'the lighthouse is closed');
      const [hit] = await searchUntil(ada, 'lighthouse', 1);
      expect(hit!.node.chatId).toBe(chatId);
      expect(hit!.snippet).toBe('Shall we meet at the [[lighthouse]] tomorrow?');
      // The last word as the start of a word; a space after it asks for the whole word.
      expect((await search(ada, 'meet light')).edges.map((e) => e.snippet)).toEqual(['Shall we [[meet]] at the [[lighthouse]] tomorrow?']);
      expect((await search(ada, 'light ')).edges).toEqual([]);
      // One chat only: eve's words are not ada's to find.
      expect((await searchUntil(bob, 'lighthouse', 1, { c: theirs }))[0]!.node.body).toBe('the lighthouse is closed');
      expect((await search(eve, 'tomorrow')).edges).toEqual([]);
      expect(codeOf(await server.gql(SEARCH, { q: 'lighthouse', c: chatId }, eve.token))).toBe('FORBIDDEN');
    });

    it('never finds a deleted message, finds an edited one by its current text, and nothing of a group once left', async () => {
      const [ada, bob] = [await signup(server), await signup(server)];
      const { createGroupChat } = await server.ok(`mutation ($m: [ID!]!) { createGroupChat(title: "s", memberIds: $m) { id } }`, { m: [bob.id] }, ada.token);
      const groupId = createGroupChat.id;
      const gone = await send(server, ada, groupId, 'secret plans');
      const edited = await send(server, ada, groupId, 'draft text');
      await searchUntil(bob, 'secret', 1);
      await searchUntil(bob, 'draft', 1);
      await server.ok(`mutation ($id: ID!) { deleteMessage(messageId: $id) { id } }`, { id: gone.messageId }, ada.token);
      await server.ok(`mutation ($id: ID!, $b: String!) { editMessage(messageId: $id, body: $b) { id } }`, { id: edited.messageId, b: 'final wording' }, ada.token);
      await searchUntil(bob, 'secret', 0);
      await searchUntil(bob, 'draft', 0);
      await searchUntil(bob, 'wording', 1);
      await server.ok(`mutation ($c: ID!) { leaveChat(chatId: $c) }`, { c: groupId }, bob.token);
      expect((await search(bob, 'wording')).edges).toEqual([]);
      expect((await search(ada, 'wording')).edges).toHaveLength(1);
    });

    it('pages best match first, then newest, with Relay cursors', async () => {
      const [ada, bob] = [await signup(server), await signup(server)];
      const chatId = await directChat(server, ada, bob);
      for (let i = 0; i < 7; i++) await send(server, ada, chatId, `walrus sighting ${i}`);
      await send(server, ada, chatId, 'walrus walrus walrus!');
      await searchUntil(ada, 'walrus', 8, { first: 10 });
      const first = await search(ada, 'walrus', { first: 3 });
      expect(first.edges.map((e) => e.node.body)).toEqual(['walrus walrus walrus!', 'walrus sighting 6', 'walrus sighting 5']);
      expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      const rest = await search(ada, 'walrus', { first: 10, after: first.pageInfo.endCursor });
      expect(rest.edges.map((e) => e.node.body)).toEqual([4, 3, 2, 1, 0].map((i) => `walrus sighting ${i}`));
      expect(rest.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    });

    it('refuses bad input with BAD_USER_INPUT, and strangers with UNAUTHENTICATED', async () => {
      const ada = await signup(server);
      const refused = async (variables: Record<string, unknown>) => codeOf(await server.gql(SEARCH, variables, ada.token));
      expect(await refused({ q: '' })).toBe('BAD_USER_INPUT');
      expect(await refused({ q: ' ?! … ' })).toBe('BAD_USER_INPUT');
      expect(await refused({ q: 'x'.repeat(257) })).toBe('BAD_USER_INPUT');
      expect(await refused({ q: Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ') })).toBe('BAD_USER_INPUT');
      expect(await refused({ q: 'ok', first: 0 })).toBe('BAD_USER_INPUT');
      expect(await refused({ q: 'ok', first: 101 })).toBe('BAD_USER_INPUT');
      expect(await refused({ q: 'ok', after: 'bm90IGEgY3Vyc29y' })).toBe('BAD_USER_INPUT');
      expect(await refused({ q: 'ok', c: 'not-an-id' })).toBe('BAD_USER_INPUT');
      // A cursor carries a real (float4) rank: one no real can hold is malformed, not an outage.
      const tampered = (rank: string) => Buffer.from(`s:${rank}:1700000000000:00000000-0000-4000-8000-000000000000`).toString('base64url');
      for (const rank of ['1e39', '1e300', '1e-300', '1e-46']) expect(await refused({ q: 'ok', after: tampered(rank) })).toBe('BAD_USER_INPUT');
      expect((await search(ada, 'ok', { after: tampered('3e38') })).edges).toEqual([]);
      expect(codeOf(await server.gql(SEARCH, { q: 'ok' }))).toBe('UNAUTHENTICATED');
      // Words of the query language are words here: nothing is interpreted.
      expect((await search(ada, `'a' & !b | c:* <-> (d)`)).edges).toEqual([]);
    });
  });
}
