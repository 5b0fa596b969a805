import { describe, expect, it } from 'vitest';
import type { ChatEvent, ChatEventStream } from '../src/index.js';
import { CuttableProxy } from '../../server/test/support/cuttable-proxy.js';
import { Clients, RetryLog, signedUp, TestParley } from './support/parley.js';

async function takeEvents(stream: ChatEventStream, count: number): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  while (events.length < count) {
    const next = await stream.next();
    if (next.done) throw new Error(`the stream ended after ${events.length} events`);
    events.push(next.value);
  }
  return events;
}

const summary = (e: ChatEvent) =>
  e.__typename === 'ChatChanged'
    ? `ChatChanged ${e.chat.title}`
    : e.__typename === 'TypingChanged'
      ? `TypingChanged ${e.user.username} ${e.typing}`
      : e.__typename === 'ReadPositionMoved'
        ? `ReadPositionMoved ${e.user.username} ${e.lastReadSeq}`
        : `${e.__typename} ${e.message.seq} ${e.message.kind} ${e.message.body}`;

describe('chat events in the SDK', () => {
  const server = TestParley.forSuite();
  const clients = Clients.forEachTest();

  it('edits, deletes, replies and manages a group through typed methods', async () => {
    const [ada, bob, cat] = [clients.add(await signedUp(server.url)), clients.add(await signedUp(server.url)), clients.add(await signedUp(server.url))];
    const chat = await ada.client.createGroupChat({ title: 'sdk', memberIds: [bob.user.id] });
    expect(chat.owner?.id).toBe(ada.user.id);
    const sent = await bob.client.sendMessage(chat.id, 'hello');
    await ada.client.sendMessage(chat.id, 'hi bob', { replyToId: sent.messageId });
    expect(await bob.client.editMessage(sent.messageId, 'hello!')).toMatchObject({ body: 'hello!', kind: 'TEXT' });
    expect((await ada.client.addMembers(chat.id, [cat.user.id])).members.map((m) => m.id)).toContain(cat.user.id);
    expect((await cat.client.renameChat(chat.id, 'renamed')).title).toBe('renamed');
    expect((await ada.client.removeMember(chat.id, cat.user.id)).members).toHaveLength(2);
    expect(await bob.client.deleteMessage(sent.messageId)).toMatchObject({ body: '' });
    const page = await ada.client.messages(chat.id, { last: 10 });
    expect(page.edges.map(({ node }) => [node.kind, node.body, node.replyTo?.id ?? null, node.subject?.id ?? null])).toEqual([
      ['TEXT', '', null, null],
      ['TEXT', 'hi bob', sent.messageId, null],
      ['MEMBER_JOINED', '', null, cat.user.id],
      ['CHAT_RENAMED', 'renamed', null, null],
      ['MEMBER_REMOVED', '', null, cat.user.id],
    ]);
    await expect(bob.client.editMessage(sent.messageId, 'again')).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('keeps its cursor and resumes after a dropped connection with exactly the changes it missed', async () => {
    const proxy = clients.closing(await CuttableProxy.start(server.port));
    const retries = new RetryLog();
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(proxy.url, { onRetry: retries.push }));
    const chat = await ada.client.createGroupChat({ title: 'before', memberIds: [bob.user.id] });
    const stream = bob.client.chatEvents(chat.id);
    await stream.ready;
    const first = await ada.client.sendMessage(chat.id, 'one');
    expect((await takeEvents(stream, 1)).map(summary)).toEqual(['MessageAdded 1 TEXT one']);
    const cursor = stream.cursor;

    await proxy.drop();
    await retries.next((e) => e.attempt >= 1);
    await ada.client.editMessage(first.messageId, 'one, edited');
    await ada.client.renameChat(chat.id, 'after');
    await proxy.restore();
    expect((await takeEvents(stream, 3)).map(summary)).toEqual(['MessageEdited 1 TEXT one, edited', 'MessageAdded 2 CHAT_RENAMED after', 'ChatChanged after']);
    expect(stream.cursor).not.toBe(cursor);
    expect(retries.events[0]).toMatchObject({ operation: 'chatEvents', chatId: chat.id, after: cursor });

    // A later stream started from the kept cursor sees only what came after it.
    const later = bob.client.chatEvents(chat.id, { after: stream.cursor! });
    await ada.client.deleteMessage(first.messageId);
    expect((await takeEvents(later, 1)).map(summary)).toEqual(['MessageDeleted 1 TEXT ']);
    later.close();
    stream.close();
  });

  it('shows who is typing, typed, and stops it when they send', async () => {
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(server.url));
    const chat = await ada.client.createGroupChat({ title: 'typing', memberIds: [bob.user.id] });
    const stream = ada.client.chatEvents(chat.id);
    await stream.ready;
    await ada.client.sendMessage(chat.id, 'live?');
    await takeEvents(stream, 1);
    expect(await bob.client.setTyping(chat.id, true)).toBe(true);
    await bob.client.sendMessage(chat.id, 'hi');
    expect((await takeEvents(stream, 3)).map(summary)).toEqual([
      `TypingChanged ${bob.user.username} true`,
      `TypingChanged ${bob.user.username} false`,
      'MessageAdded 2 TEXT hi',
    ]);
    stream.close();
  });

  it('brings the others’ read marks, and lists them with readStates', async () => {
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(server.url));
    const chat = await ada.client.createGroupChat({ title: 'receipts', memberIds: [bob.user.id] });
    const stream = ada.client.chatEvents(chat.id);
    await stream.ready;
    await ada.client.sendMessage(chat.id, 'seen?');
    await takeEvents(stream, 1);
    await bob.client.markRead(chat.id, 1);
    expect((await takeEvents(stream, 1)).map(summary)).toEqual([`ReadPositionMoved ${bob.user.username} 1`]);
    const states = await ada.client.readStates(chat.id);
    expect(states.map((s) => `${s.user.id}:${s.lastReadSeq}`).sort()).toEqual([`${ada.user.id}:1`, `${bob.user.id}:1`].sort());
    stream.close();
  });

  it('ends with FORBIDDEN once the user is removed', async () => {
    const ada = clients.add(await signedUp(server.url));
    const bob = clients.add(await signedUp(server.url));
    const chat = await ada.client.createGroupChat({ title: 'x', memberIds: [bob.user.id] });
    const stream = bob.client.chatEvents(chat.id);
    await stream.ready;
    await ada.client.removeMember(chat.id, bob.user.id);
    await expect(takeEvents(stream, 10)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
