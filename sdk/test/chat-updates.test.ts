import { describe, expect, it } from 'vitest';
import { isParleyError, type Chat, type ChatUpdateStream, type ParleyClient } from '../src/index.js';
import { CuttableProxy } from '../../server/test/support/cuttable-proxy.js';
import { Clients, RetryLog, signedUp, TestParley } from './support/parley.js';

/**
 * chatUpdated has no "live" acknowledgement: this moves the viewer's read
 * mark to where it already is (which Parley still reports as an event) until
 * the stream shows one. Events before that may have been lost; after it,
 * none are. The events it caused stay in the stream: read on with `until`.
 */
async function untilLive(client: ParleyClient, stream: ChatUpdateStream, chatId: string, readSeq = 0): Promise<void> {
  const first = stream.next();
  let arrived = false;
  first.then(
    () => (arrived = true),
    () => (arrived = true),
  );
  for (let i = 0; !arrived; i++) {
    if (i > 100) throw new Error('chatUpdated never went live');
    await client.markRead(chatId, readSeq);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const { done } = await first;
  if (done) throw new Error('the stream ended before going live');
}

/** The next event of the stream that matches, skipping others (e.g. those of untilLive). */
async function until(stream: ChatUpdateStream, match: (chat: Chat) => boolean): Promise<Chat> {
  for (;;) {
    const { value, done } = await stream.next();
    if (done) throw new Error('the stream ended before a matching event');
    if (match(value)) return value;
  }
}

describe('live chat list (chatUpdated)', () => {
  const server = TestParley.forSuite();
  const clients = Clients.forEachTest();

  it('shows a message from the other side as unread, a read mark moved, and a chat joined', async () => {
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(server.url));
    const direct = await ada.client.createDirectChat(bob.user.id);

    const watch = ada.client.chatUpdated();
    await untilLive(ada.client, watch, direct.id);

    await bob.client.sendMessage(direct.id, 'hi ada');
    const unread = await until(watch, (chat) => chat.id === direct.id && chat.lastSeq === 1);
    expect(unread).toMatchObject({
      kind: 'DIRECT',
      lastReadSeq: 0,
      unreadCount: 1,
      lastMessage: { seq: 1, body: 'hi ada', sender: { id: bob.user.id } },
    });
    expect(unread.members.map((m) => m.id).sort()).toEqual([ada.user.id, bob.user.id].sort());

    await ada.client.markRead(direct.id, 1);
    expect(await until(watch, (chat) => chat.id === direct.id && chat.lastReadSeq === 1)).toMatchObject({
      lastSeq: 1,
      unreadCount: 0,
      lastMessage: { body: 'hi ada' },
    });

    const group = await bob.client.createGroupChat({ title: 'Lunch', memberIds: [ada.user.id] });
    expect(await until(watch, (chat) => chat.id === group.id)).toMatchObject({ kind: 'GROUP', title: 'Lunch', unreadCount: 0 });

    // Breaking out of the loop unsubscribes.
    await ada.client.markRead(direct.id, 1);
    for await (const chat of watch) {
      expect(chat).toBeDefined();
      break;
    }
    expect(await watch.next()).toEqual({ value: undefined, done: true });
  });

  it('after a dropped connection it resubscribes with backoff and calls onReconnect, so the caller refetches what it missed', async () => {
    const proxy = clients.closing(await CuttableProxy.start(server.port));
    const retries = new RetryLog();
    const ada = clients.add(await signedUp(proxy.url, { onRetry: retries.push }));
    const bob = clients.add(await signedUp(server.url));
    const direct = await bob.client.createDirectChat(ada.user.id);

    let reconnects = 0;
    let reconnected!: () => void;
    const back = new Promise<void>((resolve) => (reconnected = resolve));
    const watch = ada.client.chatUpdated({
      onReconnect: () => {
        reconnects++;
        reconnected();
      },
    });
    await untilLive(ada.client, watch, direct.id);
    expect(reconnects).toBe(0);

    await proxy.drop();
    // The drop was noticed and a reconnect already refused: the stream is backing off.
    await retries.next((e) => e.operation === 'chatUpdated' && e.attempt >= 2);
    await bob.client.sendMessage(direct.id, 'while you were away');
    expect(reconnects).toBe(0);
    await proxy.restore();
    await back;

    // The event for that message was lost with the connection; the refetch onReconnect asks for has it.
    const list = await ada.client.chats();
    expect(list.edges.find((e) => e.node.id === direct.id)?.node).toMatchObject({
      lastSeq: 1,
      unreadCount: 1,
      lastMessage: { body: 'while you were away' },
    });

    // And the stream follows again.
    await untilLive(ada.client, watch, direct.id);
    await bob.client.sendMessage(direct.id, 'welcome back');
    expect(await until(watch, (chat) => chat.lastSeq === 2)).toMatchObject({ id: direct.id, unreadCount: 2, lastMessage: { body: 'welcome back' } });
    expect(reconnects).toBe(1);

    const events = retries.events.filter((e) => e.operation === 'chatUpdated');
    expect(events.length).toBe(retries.events.length);
    for (const event of events) {
      expect(event.error.code).toBe('NETWORK');
      expect(event.chatId).toBeUndefined();
      expect(event.delayMs).toBeGreaterThan(0);
    }
    expect(events.map((e) => e.attempt).slice(0, 2)).toEqual([1, 2]);
  });

  it('without a signed-in user the loop throws UNAUTHENTICATED, not retried', async () => {
    const retries = new RetryLog();
    const client = clients.client({ url: server.url, onRetry: retries.push });
    const error = await client
      .chatUpdated()
      .next()
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(isParleyError(error, 'UNAUTHENTICATED')).toBe(true);
    expect(error).toMatchObject({ closeCode: 4401 });
    expect(retries.events).toEqual([]);
  });
});
