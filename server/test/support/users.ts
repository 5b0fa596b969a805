import { randomBytes } from 'node:crypto';
import type { TestServer } from './server.js';

export interface TestUser {
  id: string;
  username: string;
  token: string;
}

export const uniqueName = (prefix = 'u'): string => `${prefix}_${randomBytes(5).toString('hex')}`;

export async function signup(server: TestServer, username = uniqueName()): Promise<TestUser> {
  const data = await server.ok(
    `mutation ($u: String!, $p: String!) { signup(username: $u, password: $p) { token user { id username } } }`,
    { u: username, p: 'correct horse battery' },
  );
  return { id: data.signup.user.id, username: data.signup.user.username, token: data.signup.token };
}

export async function directChat(server: TestServer, a: TestUser, b: TestUser): Promise<string> {
  const data = await server.ok(`mutation ($id: ID!) { createDirectChat(userId: $id) { id } }`, { id: b.id }, a.token);
  return data.createDirectChat.id;
}

export async function send(server: TestServer, user: TestUser, chatId: string, body: string, clientId?: string) {
  const data = await server.ok(
    `mutation ($c: ID!, $b: String!, $k: String) { sendMessage(chatId: $c, body: $b, clientId: $k) { messageId chatId clientId acceptedAt } }`,
    { c: chatId, b: body, k: clientId },
    user.token,
  );
  return data.sendMessage as { messageId: string; chatId: string; clientId: string; acceptedAt: string };
}
