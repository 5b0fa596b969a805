import { Client, fetchExchange, type OperationResult } from '@urql/core';
import { describe, expect, it } from 'vitest';
import { parleyExchange, type ParleyExchange } from '../src/exchange.js';
import { ChatEventsDocument, ChatUpdatedDocument, PresenceChangedDocument, type ChatEventsSubscription } from '../src/generated/graphql.js';
import type { Contact } from '../src/index.js';
import { CuttableProxy } from '../../server/test/support/cuttable-proxy.js';
import { Clients, signedUp, TestParley } from './support/parley.js';

type Event = ChatEventsSubscription['chatEvents'];

/** An urql client as an app builds one: the SDK's exchange for subscriptions, fetch for the rest. */
function urqlWith(url: string, token: string, hooks: { connected?: () => void; closed?: (e: unknown) => void } = {}) {
  const subscriptions: ParleyExchange = parleyExchange({
    url: url.replace(/^http/, 'ws'),
    token: () => token,
    reconnect: { initialDelayMs: 50, maxDelayMs: 300 },
    onConnected: hooks.connected,
    onClosed: hooks.closed,
  });
  const client = new Client({
    url,
    requestPolicy: 'network-only',
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
    exchanges: [subscriptions.exchange, fetchExchange],
  });
  return { client, close: () => subscriptions.dispose() };
}

/** Collects a subscription's results, and waits for them. */
function collect<T>(source: { subscribe(fn: (r: OperationResult<T>) => void): { unsubscribe(): void } }) {
  const results: OperationResult<T>[] = [];
  const waiters: (() => void)[] = [];
  const { unsubscribe } = source.subscribe((r) => {
    results.push(r);
    for (const w of waiters.splice(0)) w();
  });
  const until = async (done: () => boolean, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out with ${results.length} results: ${JSON.stringify(results.map((r) => r.data ?? r.error?.message))}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  return { results, until, unsubscribe };
}

const describeEvent = (e: Event) =>
  'message' in e ? `${e.__typename} ${e.message.seq} ${e.message.body}` : e.__typename === 'ChatChanged' ? `ChatChanged ${e.chat.title}` : e.__typename;

describe('the SDK as an urql exchange', () => {
  const server = TestParley.forSuite();
  const clients = Clients.forEachTest();

  it('resumes chatEvents from the last cursor after a drop: edits and deletes made while offline arrive, each once', async () => {
    const proxy = clients.closing(await CuttableProxy.start(server.port));
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(server.url));
    const chat = await ada.client.createDirectChat(bob.user.id);
    const first = await ada.client.sendMessage(chat.id, 'one');
    const { eventCursor } = (await bob.client.chat(chat.id))!;

    let connects = 0;
    let drops = 0;
    const bobUrql = clients.closing(urqlWith(proxy.url, bob.client.token!, { connected: () => connects++, closed: () => drops++ }));
    const events = collect(bobUrql.client.subscription(ChatEventsDocument, { chatId: chat.id, after: eventCursor }));
    const shown = () => events.results.filter((r) => r.data).map((r) => describeEvent(r.data!.chatEvents));

    await ada.client.sendMessage(chat.id, 'two');
    await events.until(() => shown().includes('MessageAdded 2 two'));
    expect(connects).toBe(1);

    await proxy.drop();
    await events.until(() => drops >= 1);
    await ada.client.editMessage(first.messageId, 'one, edited');
    await ada.client.sendMessage(chat.id, 'three');
    const sent = await ada.client.sendMessage(chat.id, 'gone soon');
    await ada.client.deleteMessage(sent.messageId);
    await ada.client.editMessage(first.messageId, 'one, edited twice');
    await proxy.restore();

    await events.until(() => shown().some((s) => s.startsWith('MessageEdited 1 one, edited twice')));
    // Nothing before the drop comes again; what changed meanwhile comes once, as it now is: the
    // message sent and deleted while Bob was away arrives deleted.
    expect(shown()).toEqual(['MessageAdded 2 two', 'MessageAdded 3 three', 'MessageAdded 4 ', 'MessageEdited 1 one, edited twice']);
    const deleted = events.results.map((r) => r.data?.chatEvents).find((e) => e && 'message' in e && e.message.seq === 4);
    expect(deleted && 'message' in deleted ? deleted.message.deletedAt : null).not.toBeNull();
    expect(events.results.every((r) => !r.error)).toBe(true);
    expect(connects).toBe(2);
    events.unsubscribe();
  });

  it('starts chatEvents without a cursor from the chat as it is now, read through the app’s own client', async () => {
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(server.url));
    const chat = await ada.client.createDirectChat(bob.user.id);
    await ada.client.sendMessage(chat.id, 'before the subscribe');
    const bobUrql = clients.closing(urqlWith(server.url, bob.client.token!));
    const events = collect(bobUrql.client.subscription(ChatEventsDocument, { chatId: chat.id }));
    const shown = () => events.results.filter((r) => r.data).map((r) => describeEvent(r.data!.chatEvents));
    // The start is fixed once the exchange has read the chat: messages sent after that arrive, the earlier one never.
    for (let i = 1; i <= 30 && shown().length === 0; i++) {
      await ada.client.sendMessage(chat.id, `after ${i}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await events.until(() => shown().length > 0);
    const seqs = events.results.filter((r) => r.data).map((r) => (r.data!.chatEvents as { message: { seq: number } }).message.seq);
    expect(seqs[0]).toBeGreaterThan(1);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  });

  it('ends a stream that had events with an error that carries none of their data', async () => {
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(server.url));
    const cy = clients.add(await signedUp(server.url));
    const chat = await ada.client.createGroupChat({ title: 'leaving', memberIds: [bob.user.id, cy.user.id] });
    const { eventCursor } = (await bob.client.chat(chat.id))!;
    const bobUrql = clients.closing(urqlWith(server.url, bob.client.token!));
    const events = collect(bobUrql.client.subscription(ChatEventsDocument, { chatId: chat.id, after: eventCursor }));
    await ada.client.sendMessage(chat.id, 'before the removal');
    await events.until(() => events.results.some((r) => r.data));
    await ada.client.removeMember(chat.id, bob.user.id);
    await events.until(() => events.results.some((r) => r.error));
    const ending = events.results.filter((r) => r.error);
    expect(ending.every((r) => r.error?.graphQLErrors[0]?.extensions?.code === 'FORBIDDEN' && r.data === undefined)).toBe(true);
  });

  it('ends a subscription the viewer may not have with one error result carrying the stable code', async () => {
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(server.url));
    const eve = clients.add(await signedUp(server.url));
    const chat = await ada.client.createDirectChat(bob.user.id);
    const { eventCursor } = (await ada.client.chat(chat.id))!;
    const eveUrql = clients.closing(urqlWith(server.url, eve.client.token!));
    const events = collect(eveUrql.client.subscription(ChatEventsDocument, { chatId: chat.id, after: eventCursor }));
    await events.until(() => events.results.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // One error, no data, and no retry (urql may add an empty final result when the stream completes).
    // No data and no retry: the error, and urql repeating it as the final result when the stream completes.
    expect(events.results.every((r) => !r.data && r.error?.graphQLErrors[0]?.extensions?.code === 'FORBIDDEN')).toBe(true);
    expect(events.results.length).toBeLessThanOrEqual(2);
    expect(events.results.at(-1)?.hasNext).toBe(false);
  });

  it('calls chatUpdated’s onReconnect after a resubscribe, and presenceChanged’s resync after every subscribe', async () => {
    const proxy = clients.closing(await CuttableProxy.start(server.port));
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(server.url));
    await ada.client.createDirectChat(bob.user.id);
    const bobUrql = clients.closing(urqlWith(proxy.url, bob.client.token!));

    let reconnects = 0;
    let resyncs = 0;
    const updates = collect(bobUrql.client.subscription(ChatUpdatedDocument, {}, { onReconnect: () => reconnects++ }));
    const resync = async (): Promise<Contact[]> => {
      resyncs++;
      return [];
    };
    const presence = collect(bobUrql.client.subscription(PresenceChangedDocument, {}, { resync }));
    await presence.until(() => resyncs === 1);
    expect(reconnects).toBe(0);

    await proxy.drop();
    await proxy.restore();
    await presence.until(() => resyncs === 2 && reconnects === 1);
    // Ada's socket opening is a presence change Bob hears on the resumed stream.
    const adaStream = ada.client.presenceChanged();
    await presence.until(() => presence.results.some((r) => r.data?.presenceChanged.id === ada.user.id));
    adaStream.close();
    updates.unsubscribe();
    presence.unsubscribe();
  });
});
