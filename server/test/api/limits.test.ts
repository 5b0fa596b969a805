import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';
import { directChat, signup, uniqueName, type TestUser } from '../support/users.js';


// Limits are enforced above the storage ports, so one engine is enough here.
describe('input limits', () => {
  let server: TestServer;
  let ada: TestUser;
  let bob: TestUser;
  let chatId: string;

  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget);
    [ada, bob] = [await signup(server), await signup(server)];
    chatId = await directChat(server, ada, bob);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const sendAs = (body: string, clientId?: string) =>
    server.gql(`mutation ($c: ID!, $b: String!, $k: String) { sendMessage(chatId: $c, body: $b, clientId: $k) { messageId } }`, { c: chatId, b: body, k: clientId }, ada.token);

  it('message body: 1..4000 characters after trimming', async () => {
    expect(codeOf(await sendAs(''))).toBe('BAD_USER_INPUT');
    expect(codeOf(await sendAs(' \n\t '))).toBe('BAD_USER_INPUT');
    expect(codeOf(await sendAs('x'.repeat(4001)))).toBe('BAD_USER_INPUT');
    expect(codeOf(await sendAs(`  ${'x'.repeat(4000)}  `))).toBeUndefined();
    // Characters, not UTF-16 units: 4000 emoji fit.
    expect(codeOf(await sendAs('😀'.repeat(4000)))).toBeUndefined();
    expect(codeOf(await sendAs('y', 'k'.repeat(129)))).toBe('BAD_USER_INPUT');
  });

  it('clientId: 1..128 UTF-16 code units, not characters; users(first): 1..50', async () => {
    expect(codeOf(await sendAs('y', 'k'.repeat(128)))).toBeUndefined();
    // An emoji is two units: 64 fit, 65 do not.
    expect(codeOf(await sendAs('y', '😀'.repeat(64)))).toBeUndefined();
    expect(codeOf(await sendAs('y', '😀'.repeat(65)))).toBe('BAD_USER_INPUT');
    expect(codeOf(await sendAs('y', ''))).toBe('BAD_USER_INPUT');
    const users = (first: number) => server.gql(`query ($f: Int) { users(search: "a", first: $f) { id } }`, { f: first }, ada.token);
    expect(codeOf(await users(50))).toBeUndefined();
    for (const bad of [0, 51]) expect(codeOf(await users(bad))).toBe('BAD_USER_INPUT');
  });

  it('username: 3..32 of [a-z0-9_], unique case-insensitively', async () => {
    const signupAs = (username: string, password = 'long enough') =>
      server.gql(`mutation ($u: String!, $p: String!) { signup(username: $u, password: $p) { user { username } } }`, { u: username, p: password });
    for (const bad of ['ab', 'a'.repeat(33), 'has space', 'dash-name', 'émile', '']) {
      expect(codeOf(await signupAs(bad)), bad).toBe('BAD_USER_INPUT');
    }
    const name = uniqueName('Case');
    const created = await signupAs(name);
    expect(created.data?.signup.user.username).toBe(name.toLowerCase());
    expect(codeOf(await signupAs(name.toUpperCase()))).toBe('CONFLICT');
    expect(codeOf(await signupAs(uniqueName(), 'short'))).toBe('BAD_USER_INPUT');
  });

  it('page sizes: 1..100', async () => {
    const page = (args: string) => server.gql(`query ($c: ID!) { messages(chatId: $c, ${args}) { edges { cursor } } }`, { c: chatId }, ada.token);
    expect(codeOf(await page('first: 0'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await page('first: 101'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await page('last: -1'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await page('first: 1, last: 1'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await page('first: 100'))).toBeUndefined();
    expect(codeOf(await server.gql(`{ chats(first: 101) { edges { cursor } } }`, {}, ada.token))).toBe('BAD_USER_INPUT');
  });

  it('malformed cursors are BAD_USER_INPUT', async () => {
    for (const cursor of ['garbage', Buffer.from('m:abc').toString('base64url'), Buffer.from('c:1:x').toString('base64url')]) {
      const result = await server.gql(`query ($c: ID!, $a: String) { messages(chatId: $c, after: $a) { edges { cursor } } }`, { c: chatId, a: cursor }, ada.token);
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
    }
    expect(codeOf(await server.gql(`{ chats(after: "garbage") { edges { cursor } } }`, {}, ada.token))).toBe('BAD_USER_INPUT');
  });

  it('group title: 1..100 characters', async () => {
    const group = (title: string) => server.gql(`mutation ($t: String!, $m: [ID!]!) { createGroupChat(title: $t, memberIds: $m) { title } }`, { t: title, m: [bob.id] }, ada.token);
    expect(codeOf(await group('   '))).toBe('BAD_USER_INPUT');
    expect(codeOf(await group('t'.repeat(101)))).toBe('BAD_USER_INPUT');
    expect((await group('t'.repeat(100))).data?.createGroupChat.title).toHaveLength(100);
  });

  it('markRead seq must not be negative', async () => {
    const result = await server.gql(`mutation ($c: ID!) { markRead(chatId: $c, seq: -1) { id } }`, { c: chatId }, ada.token);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
  });

  // Parley's own types have no cycles, so introspection is where valid queries nest deep.
  const introspection = (depth: number) => {
    let inner = 'name';
    for (let i = 0; i < depth - 5; i++) inner = `ofType { ${inner} }`;
    return `{ __schema { types { fields { type { ${inner} } } } } }`;
  };

  it('query depth: the standard introspection query passes; deeper introspection is refused, counted through fragments', async () => {
    const standard = await server.gql(getIntrospectionQuery(), {}, ada.token);
    expect(standard.errors).toBeUndefined();
    expect(standard.data.__schema.queryType.name).toBe('Query');
    expect(codeOf(await server.gql(introspection(16), {}, ada.token))).toBeUndefined();
    const tooDeep = await server.gql(introspection(17), {}, ada.token);
    expect(codeOf(tooDeep)).toBe('BAD_USER_INPUT');
    expect(tooDeep.errors![0].message).toMatch(/nested too deeply/);
    const viaFragment = `{ __schema { ...T } } fragment T on __Schema { types { fields { type { ${'ofType { '.repeat(12)}name${' }'.repeat(12)} } } } }`;
    expect(codeOf(await server.gql(viaFragment, {}, ada.token))).toBe('BAD_USER_INPUT');
  });

  it('query depth: enforced over graphql-ws too', async () => {
    const ws = server.wsClient(ada.token);
    try {
      const errors = await new Promise<unknown>((resolve) => {
        ws.subscribe({ query: introspection(17) }, { next: (r) => resolve(r.errors), error: resolve, complete: () => resolve(null) });
      });
      expect(JSON.stringify(errors)).toContain('BAD_USER_INPUT');
    } finally {
      await ws.dispose();
    }
  });
});
