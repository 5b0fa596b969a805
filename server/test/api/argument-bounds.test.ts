import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlFrom, loopbackAddress } from '../support/client-address.js';
import { codeOf, TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';
import { directChat, signup, type TestUser } from '../support/users.js';

const LOGIN = `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`;
const SIGNUP = `mutation ($u: String!, $p: String!, $d: String) { signup(username: $u, password: $p, displayName: $d) { token } }`;
/** Just under the 1 MB request body limit. */
const HUGE = 'a'.repeat(900_000);

// Bounds are checked above the storage ports, so one engine is enough here.
describe('every string argument is bounded before any work', () => {
  let server: TestServer;
  let ada: TestUser;
  let bob: TestUser;
  let chatId: string;

  beforeAll(async () => {
    // Limits on, low: an argument that reached a limiter would show as RATE_LIMITED.
    server = await TestServer.start(pgliteTarget, { LOGIN_RATE_LIMIT: '3/60s', LOGIN_IP_RATE_LIMIT: '3/60s', SIGNUP_RATE_LIMIT: '3/3600s' });
    [ada, bob] = [await signup(server), await signup(server)];
    chatId = await directChat(server, ada, bob);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('login: an over-long or malformed username or password is BAD_USER_INPUT and counts toward no limit', async () => {
    const address = loopbackAddress();
    const attempts = [
      { u: HUGE, p: 'whatever password' },
      { u: `${ada.username}${'x'.repeat(40)}`, p: 'whatever password' },
      { u: 'has space', p: 'whatever password' },
      { u: `${ada.username}\u0000`, p: 'whatever password' },
      // The same answer for a user who exists and one who does not.
      { u: ada.username, p: HUGE },
      { u: 'nobody_here', p: HUGE },
      { u: ada.username, p: 'x'.repeat(257) },
    ];
    for (let round = 0; round < 2; round++) {
      for (const attempt of attempts) expect(codeOf(await gqlFrom(server, address, LOGIN, attempt)), attempt.u.slice(0, 40)).toBe('BAD_USER_INPUT');
    }
    // Nothing above was counted, for the username or for the address.
    expect(codeOf(await gqlFrom(server, address, LOGIN, { u: ada.username, p: 'correct horse battery' }))).toBeUndefined();
  });

  it('signup: an over-long username, password or display name is BAD_USER_INPUT and counts toward no limit', async () => {
    const address = loopbackAddress();
    for (const [u, p, d] of [
      [HUGE, 'long enough', null],
      ['fine_name', HUGE, null],
      ['fine_name', 'long enough', HUGE],
      ['fine_name', 'x'.repeat(257), null],
    ]) {
      expect(codeOf(await gqlFrom(server, address, SIGNUP, { u, p, d }))).toBe('BAD_USER_INPUT');
    }
    expect(codeOf(await gqlFrom(server, address, SIGNUP, { u: `b_${Date.now()}`, p: 'long enough' }))).toBeUndefined();
  });

  it('search, title, body, clientId, ids and cursors: BAD_USER_INPUT when far too long', async () => {
    const refused = async (query: string, variables: Record<string, unknown>) => codeOf(await server.gql(query, variables, ada.token));
    expect(await refused(`query ($s: String) { users(search: $s) { id } }`, { s: HUGE })).toBe('BAD_USER_INPUT');
    expect(await refused(`mutation ($t: String!) { createGroupChat(title: $t, memberIds: []) { id } }`, { t: HUGE })).toBe('BAD_USER_INPUT');
    const send = `mutation ($c: ID!, $b: String!, $k: String) { sendMessage(chatId: $c, body: $b, clientId: $k) { messageId } }`;
    expect(await refused(send, { c: chatId, b: HUGE })).toBe('BAD_USER_INPUT');
    expect(await refused(send, { c: chatId, b: 'hi', k: HUGE })).toBe('BAD_USER_INPUT');
    expect(await refused(send, { c: HUGE, b: 'hi' })).toBe('BAD_USER_INPUT');
    expect(await refused(`query ($c: ID!, $a: String) { messages(chatId: $c, after: $a) { edges { cursor } } }`, { c: chatId, a: HUGE })).toBe('BAD_USER_INPUT');
    expect(await refused(`query ($a: String) { chats(after: $a) { edges { cursor } } }`, { a: HUGE })).toBe('BAD_USER_INPUT');
  });
});
