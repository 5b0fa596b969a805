import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, TestServer } from '../support/server.js';
import { relationalTargets } from '../support/targets.js';
import { signup, uniqueName, type TestUser } from '../support/users.js';

const SEND = `mutation ($c: ID!, $b: String!, $k: String) { sendMessage(chatId: $c, body: $b, clientId: $k) { messageId } }`;
const HISTORY = `query ($c: ID!) { messages(chatId: $c, last: 100) { edges { node { body sender { id } } } } }`;
const SIGNUP = `mutation ($u: String!, $p: String!, $d: String) { signup(username: $u, password: $p, displayName: $d) { user { displayName } } }`;
const GROUP = `mutation ($t: String!, $m: [ID!]!) { createGroupChat(title: $t, memberIds: $m) { id title } }`;
const SEARCH = `query ($s: String) { users(search: $s) { id } }`;

/** The engines refuse NUL differently (PostgreSQL and PGlite alike fail a whole statement), so both run. */
describe.each(relationalTargets)('text a client sends, on $name', (target) => {
  let server: TestServer;
  let ada: TestUser;
  let bob: TestUser;
  let chatId: string;

  beforeAll(async () => {
    server = await TestServer.start(target);
    [ada, bob] = [await signup(server), await signup(server)];
    chatId = (await server.ok(GROUP, { t: 'text', m: [bob.id] }, ada.token)).createGroupChat.id;
  });
  afterAll(async () => {
    await server?.stop();
  });

  const send = (user: TestUser, body: string, clientId?: string) => server.gql(SEND, { c: chatId, b: body, k: clientId }, user.token);
  const bodies = async () =>
    ((await server.ok(HISTORY, { c: chatId }, ada.token)).messages.edges as { node: { body: string } }[]).map((e) => e.node.body);
  const displayNameOf = async (displayName: string | null) => {
    const result = await server.gql(SIGNUP, { u: uniqueName(), p: 'long enough', d: displayName });
    return { code: codeOf(result), name: result.data?.signup.user.displayName as string | undefined };
  };
  const titleOf = async (title: string) => {
    const result = await server.gql(GROUP, { t: title, m: [bob.id] }, ada.token);
    return { code: codeOf(result), title: result.data?.createGroupChat.title as string | undefined };
  };

  it("a NUL body is BAD_USER_INPUT and fails no one else's send in the same batch", async () => {
    const senders: TestUser[] = [];
    for (let i = 0; i < 10; i++) senders.push(await signup(server));
    const crowd = (await server.ok(GROUP, { t: 'crowd', m: [...senders.map((s) => s.id), bob.id] }, ada.token)).createGroupChat.id;
    const sendTo = (user: TestUser, body: string) => server.gql(SEND, { c: crowd, b: body }, user.token);
    const [good, bad] = await Promise.all([
      Promise.all(Array.from({ length: 100 }, (_, i) => sendTo(senders[i % 10], `hello ${i}`))),
      Promise.all(Array.from({ length: 10 }, (_, i) => sendTo(bob, `bad\u0000${i}`))),
    ]);
    const failed = good.filter((r) => codeOf(r) !== undefined);
    expect(failed.length, `${failed.length} of 100 good sends failed: ${failed.map(codeOf).join(', ')}`).toBe(0);
    expect(bad.map(codeOf)).toEqual(Array(10).fill('BAD_USER_INPUT'));
  });

  it('refuses NUL and the other control characters (but tab and newline) in every text argument', async () => {
    for (const control of ['\u0000', '\u0001', '\u0008', '\u000b', '\u000c', '\u001b', '\u001f', '\u007f', '\u0085', '\u009f']) {
      const label = `U+${control.codePointAt(0)!.toString(16).padStart(4, '0')}`;
      expect(codeOf(await send(ada, `a${control}b`)), `body ${label}`).toBe('BAD_USER_INPUT');
      expect(codeOf(await send(ada, 'fine', `id${control}`)), `clientId ${label}`).toBe('BAD_USER_INPUT');
      expect((await displayNameOf(`Ada${control}`)).code, `displayName ${label}`).toBe('BAD_USER_INPUT');
      expect((await titleOf(`Team${control}`)).code, `title ${label}`).toBe('BAD_USER_INPUT');
      expect(codeOf(await server.gql(SEARCH, { s: `ad${control}` }, ada.token)), `search ${label}`).toBe('BAD_USER_INPUT');
      expect(codeOf(await server.gql(SIGNUP, { u: `u${control}${uniqueName()}`, p: 'long enough' })), `username ${label}`).toBe('BAD_USER_INPUT');
    }
    expect(codeOf(await send(ada, 'tab\tand\nnewline'))).toBeUndefined();
    expect(await bodies()).toContain('tab\tand\nnewline');
  });

  it('refuses a body that begins like one encrypted at rest (enc:v1:), which would fail every page it is on once a key of its id exists', async () => {
    expect(codeOf(await send(ada, 'enc:v1:2026-12-a:AAAA'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await send(ada, '  enc:v1:k:x'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await send(ada, 'about enc:v1: bodies'))).toBeUndefined();
  });

  it('keeps Windows and old Mac line endings as LF in bodies; names and titles are one line', async () => {
    expect(codeOf(await send(ada, 'line one\r\nline two\rline three\r\n'))).toBeUndefined();
    expect(await bodies()).toContain('line one\nline two\nline three');
    expect(await displayNameOf('Ada\r\nLovelace')).toEqual({ code: undefined, name: 'Ada Lovelace' });
    expect(await titleOf('Book\tclub\n')).toEqual({ code: undefined, title: 'Book club' });
    // Unicode's own line and paragraph separators are line breaks too.
    expect(await displayNameOf('Ada\u2028Lovelace')).toEqual({ code: undefined, name: 'Ada Lovelace' });
    expect(await titleOf('Book\u2029club')).toEqual({ code: undefined, title: 'Book club' });
  });

  it('refuses lone surrogates', async () => {
    expect(codeOf(await send(ada, 'half a \ud83d'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await send(ada, 'fine', 'k\udc00'))).toBe('BAD_USER_INPUT');
    expect((await displayNameOf('\ud800Ada')).code).toBe('BAD_USER_INPUT');
    expect((await titleOf('Team \udfff')).code).toBe('BAD_USER_INPUT');
    expect(codeOf(await server.gql(SEARCH, { s: '\ud800' }, ada.token))).toBe('BAD_USER_INPUT');
    // A whole pair is one character, and fine.
    expect(codeOf(await send(ada, 'whole \ud83d\ude00'))).toBeUndefined();
  });

  it('stores text NFC-normalised', async () => {
    expect(codeOf(await send(ada, 'cafe\u0301'))).toBeUndefined();
    expect(await bodies()).toContain('caf\u00e9');
    expect((await displayNameOf('Ame\u0301lie')).name).toBe('Am\u00e9lie');
    expect((await titleOf('Re\u0301union')).title).toBe('R\u00e9union');
  });

  it('refuses display names and titles with nothing visible in them', async () => {
    const blanks = ['\u2800', '\u2800 \u2800', '\u0301', '\u0301\u0308\u20dd', '\u2800\u0301', '\u{1d173}\u{1d17a}', '\u061c'];
    for (const invisible of ['\u200b', '\u200b\u200c\u200d', '\u2060\u00a0\u200b', '\u3164', '\u200f', '\u00ad', ...blanks]) {
      expect((await displayNameOf(invisible)).code, JSON.stringify(invisible)).toBe('BAD_USER_INPUT');
      expect((await titleOf(invisible)).code, JSON.stringify(invisible)).toBe('BAD_USER_INPUT');
    }
    // Left blank (null, empty or whitespace), a display name is the username, as before.
    expect((await displayNameOf('  ')).code).toBeUndefined();
    // Joiners inside visible text are part of it (emoji sequences, Persian).
    expect((await displayNameOf('👩\u200d💻 Ada')).name).toBe('👩\u200d💻 Ada');
    // Marks on a letter are part of it (Devanagari vowel signs, stacked accents); a braille pattern with dots is visible.
    expect((await displayNameOf('\u0915\u093f')).name).toBe('\u0915\u093f');
    expect((await titleOf('a\u0301\u0308')).title).toBe('\u00e1\u0308');
    expect((await titleOf('\u2801')).title).toBe('\u2801');
  });

  it('refuses bidi overrides, embeddings and isolates in names and titles; keeps direction marks', async () => {
    for (const control of ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069']) {
      expect((await displayNameOf(`${control}evil.exe`)).code, JSON.stringify(control)).toBe('BAD_USER_INPUT');
      expect((await titleOf(`${control}evil.exe`)).code, JSON.stringify(control)).toBe('BAD_USER_INPUT');
    }
    expect((await displayNameOf('\u05e9\u05e8\u05d4 2\u200f')).name).toBe('\u05e9\u05e8\u05d4 2\u200f');
    expect((await titleOf('\u0645\u0631\u062d\u0628\u0627\u061c!')).title).toBe('\u0645\u0631\u062d\u0628\u0627\u061c!');
  });

  it('keeps bidi controls in bodies: Arabic and Hebrew text uses them', async () => {
    const body = '\u2067\u05e9\u05dc\u05d5\u05dd\u2069 and \u202bمرحبا\u202c';
    expect(codeOf(await send(ada, body))).toBeUndefined();
    expect(await bodies()).toContain(body);
  });
});
