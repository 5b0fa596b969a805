import { randomBytes } from 'node:crypto';
import type { TestServer } from './server.js';

export interface TestUser {
  id: string;
  username: string;
  token: string;
}

/** Anything that answers GraphQL over HTTP: a TestServer, or a client of a server in another process. */
type Endpoint = Pick<TestServer, 'ok'>;

export const uniqueName = (prefix = 'u'): string => `${prefix}_${randomBytes(5).toString('hex')}`;

export async function signup(server: Endpoint, username = uniqueName()): Promise<TestUser> {
  const data = await server.ok(
    `mutation ($u: String!, $p: String!) { signup(username: $u, password: $p) { token user { id username } } }`,
    { u: username, p: 'correct horse battery' },
  );
  return { id: data.signup.user.id, username: data.signup.user.username, token: data.signup.token };
}

export async function directChat(server: Endpoint, a: TestUser, b: TestUser): Promise<string> {
  const data = await server.ok(`mutation ($id: ID!) { createDirectChat(userId: $id) { id } }`, { id: b.id }, a.token);
  return data.createDirectChat.id;
}

export async function send(server: Endpoint, user: TestUser, chatId: string, body: string, clientId?: string) {
  const data = await server.ok(
    `mutation ($c: ID!, $b: String!, $k: String) { sendMessage(chatId: $c, body: $b, clientId: $k) { messageId chatId clientId acceptedAt } }`,
    { c: chatId, b: body, k: clientId },
    user.token,
  );
  return data.sendMessage as { messageId: string; chatId: string; clientId: string; acceptedAt: string };
}

export interface NamedUser extends TestUser {
  displayName: string;
}

/** A user with a display name (the username starts from its first word), so titles and senders read as in real use. */
export async function signupAs(server: TestServer, displayName: string): Promise<NamedUser> {
  const data = await server.ok(
    `mutation ($u: String!, $p: String!, $d: String) { signup(username: $u, password: $p, displayName: $d) { token user { id username } } }`,
    { u: uniqueName(displayName.toLowerCase().split(' ')[0]!.replace(/[^a-z0-9_]/g, '') || 'u'), p: 'correct horse battery', d: displayName },
  );
  return { id: data.signup.user.id, username: data.signup.user.username, token: data.signup.token, displayName };
}

export async function groupChat(server: TestServer, owner: TestUser, title: string, members: readonly TestUser[]): Promise<string> {
  const data = await server.ok(
    `mutation ($t: String!, $m: [ID!]!) { createGroupChat(title: $t, memberIds: $m) { id } }`,
    { t: title, m: members.map((m) => m.id) },
    owner.token,
  );
  return data.createGroupChat.id;
}
