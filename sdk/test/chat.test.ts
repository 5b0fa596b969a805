import { describe, expect, it } from 'vitest';
import { createParleyClient } from '../src/index.js';
import { Clients, PASSWORD, signedUp, take, TestParley, uniqueName } from './support/parley.js';

describe('a chat between two SDK clients', () => {
  const server = TestParley.forSuite();
  const clients = Clients.forEachTest();

  it('signs up, opens a direct chat, delivers live on both sides, pages history, marks read and lists chats', async () => {
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(server.url));
    expect(ada.client.token).toEqual(expect.any(String));
    expect(await ada.client.me()).toEqual(ada.user);

    const found = await ada.client.users({ search: bob.user.username, first: 5 });
    expect(found.map((u) => u.id)).toContain(bob.user.id);

    const chat = await ada.client.createDirectChat(bob.user.id);
    expect(chat).toMatchObject({ kind: 'DIRECT', lastSeq: 0, unreadCount: 0, lastMessage: null });
    expect(chat.members.map((m) => m.id).sort()).toEqual([ada.user.id, bob.user.id].sort());
    // Idempotent from the other side too.
    expect((await bob.client.createDirectChat(ada.user.id)).id).toBe(chat.id);

    // Live from now: no afterSeq, so the stream starts at the chat's current end.
    const adaLive = ada.client.messageAdded(chat.id);
    const bobLive = bob.client.messageAdded(chat.id, { afterSeq: 0 });
    await adaLive.ready;

    const first = await ada.client.sendMessage(chat.id, '  hello bob  ');
    expect(first).toMatchObject({ chatId: chat.id, messageId: expect.any(String), clientId: expect.any(String) });
    await bob.client.sendMessage(chat.id, 'hi ada', { clientId: 'bob-1' });
    await ada.client.sendMessage(chat.id, 'how are you?');

    const expected = [
      [1, 'hello bob', ada.user.id],
      [2, 'hi ada', bob.user.id],
      [3, 'how are you?', ada.user.id],
    ];
    for (const stream of [adaLive, bobLive]) {
      const got = await take(stream, 3);
      expect(got.map((m) => [m.seq, m.body, m.sender.id])).toEqual(expected);
      expect(stream.lastSeq).toBe(3);
    }
    const oldest = await bob.client.messages(chat.id, { first: 1 });
    // Stored trimmed, under the id and clientId the send returned.
    expect(oldest.edges[0]!.node).toMatchObject({ seq: 1, body: 'hello bob', id: first.messageId, clientId: first.clientId });

    // History pages backward from the end, each page oldest → newest.
    const lastTwo = await bob.client.messages(chat.id, { last: 2 });
    expect(lastTwo.edges.map((e) => e.node.seq)).toEqual([2, 3]);
    expect(lastTwo.pageInfo.hasPreviousPage).toBe(true);
    const before = await bob.client.messages(chat.id, { last: 2, before: lastTwo.pageInfo.startCursor! });
    expect(before.edges.map((e) => [e.node.seq, e.node.body, e.node.clientId])).toEqual([[1, 'hello bob', first.clientId]]);
    expect(before.pageInfo.hasPreviousPage).toBe(false);
    expect((await bob.client.messages(chat.id)).edges[1]!.node.clientId).toBe('bob-1');

    // Sending moved bob's read position to his own message (2): ada's third is unread.
    expect((await bob.client.chat(chat.id))!).toMatchObject({ lastSeq: 3, lastReadSeq: 2, unreadCount: 1 });
    expect(await bob.client.markRead(chat.id, 3)).toMatchObject({ lastReadSeq: 3, unreadCount: 0 });
    expect(await bob.client.markRead(chat.id, 1)).toMatchObject({ lastReadSeq: 3, unreadCount: 0 });

    const group = await ada.client.createGroupChat({ title: 'Friends', memberIds: [bob.user.id] });
    expect(group).toMatchObject({ kind: 'GROUP', title: 'Friends' });
    await ada.client.sendMessage(chat.id, 'bump');

    // Most recent activity first; the direct chat moved back to the top.
    const page1 = await bob.client.chats({ first: 1 });
    expect(page1.edges.map((e) => e.node.id)).toEqual([chat.id]);
    expect(page1.edges[0]!.node).toMatchObject({ unreadCount: 1, lastMessage: { seq: 4, body: 'bump', sender: { id: ada.user.id } } });
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = await bob.client.chats({ first: 1, after: page1.pageInfo.endCursor! });
    expect(page2.edges.map((e) => e.node.id)).toEqual([group.id]);
    expect(page2.pageInfo.hasNextPage).toBe(false);

    for (const stream of [adaLive, bobLive]) expect((await take(stream, 1))[0]).toMatchObject({ seq: 4, body: 'bump' });

    // Bob leaves the group.
    expect(await bob.client.leaveChat(group.id)).toBe(true);
    expect((await bob.client.chats()).edges.map((e) => e.node.id)).toEqual([chat.id]);
  });

  it('breaking out of for-await unsubscribes, and a new stream resumes from the seq the first kept', async () => {
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(server.url));
    const chat = await ada.client.createDirectChat(bob.user.id);
    for (const body of ['a', 'b', 'c']) await ada.client.sendMessage(chat.id, body);

    const stream = bob.client.messageAdded(chat.id, { afterSeq: 0 });
    const seen: string[] = [];
    for await (const message of stream) {
      seen.push(message.body);
      if (message.seq === 2) break;
    }
    expect(seen).toEqual(['a', 'b']);
    // Ended: the loop's return() reached the stream.
    expect(await stream.next()).toEqual({ value: undefined, done: true });

    const resumed = bob.client.messageAdded(chat.id, { afterSeq: stream.lastSeq! });
    await ada.client.sendMessage(chat.id, 'd');
    expect((await take(resumed, 2)).map((m) => m.body)).toEqual(['c', 'd']);

    // close() ends a stream that is waiting for a message.
    const pending = resumed.next();
    resumed.close();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it('login keeps the token for HTTP and the socket; an AbortSignal ends a stream', async () => {
    const username = uniqueName();
    const first = createParleyClient({ url: server.url });
    const ada = clients.add({ client: first, user: (await first.signup({ username, password: PASSWORD, displayName: 'Ada L.' })).user });
    expect(ada.user).toMatchObject({ username, displayName: 'Ada L.' });
    const bob = clients.add(await signedUp(server.url));
    const chat = await bob.client.createDirectChat(ada.user.id);
    await bob.client.sendMessage(chat.id, 'for ada');

    const again = clients.client({ url: server.url });
    expect(again.token).toBeNull();
    const { user } = await again.login({ username: username.toUpperCase(), password: PASSWORD });
    expect(user.id).toBe(ada.user.id);
    expect((await again.me()).id).toBe(ada.user.id);

    const controller = new AbortController();
    const stream = again.messageAdded(chat.id, { afterSeq: 0, signal: controller.signal });
    expect((await take(stream, 1))[0]!.body).toBe('for ada');
    const pending = stream.next();
    controller.abort();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it('reads per-day chat stats: typed rows for a member, typed errors otherwise', async () => {
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(server.url));
    const carol = clients.add(await signedUp(server.url));
    const chat = await ada.client.createDirectChat(bob.user.id);
    await ada.client.sendMessage(chat.id, 'counted tonight');
    // The summary job has not run for today yet: no rows, not an error.
    const today = new Date().toISOString().slice(0, 10);
    expect(await ada.client.chatStats(chat.id, { from: today, to: today })).toEqual([]);
    await expect(carol.client.chatStats(chat.id, { from: today, to: today })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ada.client.chatStats(chat.id, { from: '2020-01-01', to: '2026-01-01' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});
