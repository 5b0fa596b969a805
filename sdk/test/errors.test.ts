import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createParleyClient, isParleyError, ParleyError, type MessageStream, type ParleyErrorCode } from '../src/index.js';
import { Clients, closedPort, FAST, PASSWORD, RetryLog, signedUp, TestParley, uniqueName } from './support/parley.js';

/** The ParleyError a promise rejects with; fails the test if it resolves or throws anything else. */
async function failure(promise: Promise<unknown>): Promise<ParleyError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a ParleyError, got ${JSON.stringify(outcome.value)}`);
  if (!(outcome.error instanceof ParleyError)) throw outcome.error;
  return outcome.error;
}

/** What the next read of a stream gives: here, the error that ended it. */
const streamFailure = (stream: MessageStream) => stream.next();

async function expectCode(promise: Promise<unknown>, code: ParleyErrorCode): Promise<ParleyError> {
  const error = await failure(promise);
  expect({ code: error.code, message: error.message }).toMatchObject({ code });
  expect(isParleyError(error, code)).toBe(true);
  return error;
}

describe('errors as ParleyError codes', () => {
  const server = TestParley.forSuite();
  const clients = Clients.forEachTest();

  it('BAD_USER_INPUT: a broken limit or a malformed id, with the field path, not retried', async () => {
    const retries = new RetryLog();
    const ada = clients.add(await signedUp(server.url, { onRetry: retries.push }));
    const bob = clients.add(await signedUp(server.url));
    const chat = await ada.client.createDirectChat(bob.user.id);

    const blank = await expectCode(ada.client.sendMessage(chat.id, '   '), 'BAD_USER_INPUT');
    expect(blank.path).toEqual(['sendMessage']);
    expect(blank.serverCode).toBe('BAD_USER_INPUT');
    expect(blank.retryable).toBe(false);
    await expectCode(ada.client.chat('not-an-id'), 'BAD_USER_INPUT');
    await expectCode(ada.client.messages(chat.id, { first: 1, last: 1 }), 'BAD_USER_INPUT');
    await expectCode(ada.client.signup({ username: 'x', password: PASSWORD }), 'BAD_USER_INPUT');
    await expectCode(streamFailure(ada.client.messageAdded('not-an-id', { afterSeq: 0 })), 'BAD_USER_INPUT');
    expect(retries.events).toEqual([]);
  });

  it('UNAUTHENTICATED over HTTP: no token, a bad token, a wrong password', async () => {
    const { client: ada, user } = clients.add(await signedUp(server.url));
    await expectCode(clients.client({ url: server.url }).me(), 'UNAUTHENTICATED');
    await expectCode(clients.client({ url: server.url, token: 'not.a.token' }).me(), 'UNAUTHENTICATED');
    await expectCode(clients.client({ url: server.url }).login({ username: user.username, password: 'wrong password' }), 'UNAUTHENTICATED');
    // Signing out drops the token from later requests.
    ada.setToken(null);
    await expectCode(ada.me(), 'UNAUTHENTICATED');
  });

  it('UNAUTHENTICATED over the socket (close 4401): no token or a bad one, not retried', async () => {
    const retries = new RetryLog();
    for (const token of [null, 'not.a.token']) {
      const client = clients.client({ url: server.url, token, onRetry: retries.push });
      const error = await expectCode(streamFailure(client.messageAdded(randomUUID(), { afterSeq: 0 })), 'UNAUTHENTICATED');
      expect(error.closeCode).toBe(4401);
    }
    expect(retries.events).toEqual([]);
  });

  it('FORBIDDEN: a chat the user is not in, over HTTP and the socket; leaving a group ends its stream', async () => {
    const retries = new RetryLog();
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(server.url, { onRetry: retries.push }));
    const eve = clients.add(await signedUp(server.url, { onRetry: retries.push }));
    const chat = await ada.client.createDirectChat(bob.user.id);

    await expectCode(eve.client.chat(chat.id), 'FORBIDDEN');
    await expectCode(eve.client.messages(chat.id), 'FORBIDDEN');
    await expectCode(eve.client.markRead(chat.id, 1), 'FORBIDDEN');
    await expectCode(eve.client.sendMessage(chat.id, 'let me in'), 'FORBIDDEN');
    await expectCode(streamFailure(eve.client.messageAdded(chat.id, { afterSeq: 0 })), 'FORBIDDEN');
    await expectCode(streamFailure(eve.client.messageAdded(chat.id)), 'FORBIDDEN');

    const group = await ada.client.createGroupChat({ title: 'g', memberIds: [bob.user.id] });
    const stream = bob.client.messageAdded(group.id, { afterSeq: 0 });
    await ada.client.sendMessage(group.id, 'welcome');
    expect((await stream.next()).value).toMatchObject({ seq: 1, body: 'welcome' });
    await bob.client.leaveChat(group.id);
    await expectCode(streamFailure(stream), 'FORBIDDEN');
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    await expectCode(bob.client.leaveChat(chat.id), 'BAD_USER_INPUT');
    expect(retries.events).toEqual([]);
  });

  it('NOT_FOUND: a chat or user id that does not exist', async () => {
    const { client } = clients.add(await signedUp(server.url));
    await expectCode(client.chat(randomUUID()), 'NOT_FOUND');
    await expectCode(client.createDirectChat(randomUUID()), 'NOT_FOUND');
    await expectCode(client.sendMessage(randomUUID(), 'anyone?'), 'NOT_FOUND');
    await expectCode(streamFailure(client.messageAdded(randomUUID(), { afterSeq: 0 })), 'NOT_FOUND');
  });

  it('CONFLICT: a taken username, in any case', async () => {
    const username = uniqueName();
    await clients.client({ url: server.url }).signup({ username, password: PASSWORD });
    await expectCode(clients.client({ url: server.url }).signup({ username: username.toUpperCase(), password: PASSWORD }), 'CONFLICT');
  });

  it('NETWORK when nothing listens: at once for a query, after the retries for a send and a stream', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/graphql`;
    const retries = new RetryLog();
    const client = clients.client({ url, token: 'any', onRetry: retries.push, reconnect: { ...FAST.reconnect, attempts: 2 } });

    const query = await expectCode(client.me(), 'NETWORK');
    expect(query.retryable).toBe(true);
    expect(retries.events).toEqual([]);

    await expectCode(client.sendMessage(randomUUID(), 'hello?'), 'NETWORK');
    const sends = retries.events.filter((e) => e.operation === 'sendMessage');
    expect(sends.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(new Set(sends.map((e) => e.clientId)).size).toBe(1);

    await expectCode(streamFailure(client.messageAdded(randomUUID(), { afterSeq: 0 })), 'NETWORK');
    expect(retries.events.filter((e) => e.operation === 'messageAdded').map((e) => e.attempt)).toEqual([1, 2]);
  });
});

describe('RATE_LIMITED', () => {
  const server = TestParley.forSuite({ SEND_RATE_LIMIT: '2/10s', LOGIN_RATE_LIMIT: '2/60s' });
  const clients = Clients.forEachTest();

  it('says when to retry, and the SDK leaves the retry to the caller', async () => {
    const retries = new RetryLog();
    const ada = clients.add(await signedUp(server.url, { onRetry: retries.push }));
    const bob = clients.add(await signedUp(server.url));
    const chat = await ada.client.createDirectChat(bob.user.id);
    await ada.client.sendMessage(chat.id, 'one');
    await ada.client.sendMessage(chat.id, 'two');
    const limited = await expectCode(ada.client.sendMessage(chat.id, 'three'), 'RATE_LIMITED');
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    expect(limited.retryAfterMs).toBeLessThanOrEqual(10_000);
    expect(limited.retryable).toBe(false);
    expect(retries.events).toEqual([]);
    expect((await ada.client.messages(chat.id)).edges).toHaveLength(2);

    const stranger = createParleyClient({ url: server.url });
    for (let i = 0; i < 2; i++) await expectCode(stranger.login({ username: bob.user.username, password: 'nope nope nope' }), 'UNAUTHENTICATED');
    const login = await expectCode(stranger.login({ username: bob.user.username, password: PASSWORD }), 'RATE_LIMITED');
    expect(login.retryAfterMs).toBeGreaterThan(10_000);
    expect(login.retryAfterMs).toBeLessThanOrEqual(60_000);
  });
});
