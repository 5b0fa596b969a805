import { describe, expect, it } from 'vitest';
import { watchChats, type ChatSource, type WatchedChat } from '../../src/domain/chat-watch.js';
import type { MemberChat } from '../../src/domain/models.js';
import { LocalRealtimeBus } from '../../src/realtime/local-realtime-bus.js';
import { chatChannel, userChannel, type ChatEvent } from '../../src/realtime/events.js';
import { storedMessage } from '../support/stored-message.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const VIEWER = '00000000-0000-4000-8000-0000000000ff';
const OTHER = '00000000-0000-4000-8000-0000000000ee';
const T0 = new Date('2026-12-01T00:00:00Z');

const chatAt = (chatId: string, lastSeq: number, lastReadSeq = 0): MemberChat => ({
  id: chatId,
  kind: 'GROUP',
  title: 't',
  ownerId: null,
  lastSeq,
  lastMessageId: null,
  lastEventSeq: lastSeq,
  textCount: lastSeq,
  readSeq: 0,
  createdAt: T0,
  updatedAt: T0,
  lastReadSeq,
  readTextSeq: lastReadSeq,
});

const stored = (chatId: string, seq: number, senderId = OTHER): ChatEvent => {
  const createdAt = new Date(T0.getTime() + seq * 1000);
  const message = storedMessage({ id: `${chatId.slice(0, -3)}${String(seq).padStart(3, '0')}`, chatId, seq, senderId, body: `m${seq}`, clientId: null, createdAt });
  return { type: 'messageStored', message, chat: { chatId, lastSeq: seq, lastMessageId: message.id, updatedAt: createdAt } };
};

/** A database stand-in that counts loads: each chat at the given lastSeq. */
function source(chats: Record<string, MemberChat>, ids: () => string[] = () => Object.keys(chats)): ChatSource & { loads: number } {
  const counted = {
    loads: 0,
    chatIds: async () => ids(),
    load: async (chatId: string) => {
      counted.loads++;
      return chats[chatId] ? { ...chats[chatId] } : null;
    },
  };
  return counted;
}

type Next = Promise<IteratorResult<WatchedChat>>;

/** What a pending read yields, or null when nothing arrives within a short wait (the read stays pending). */
async function within(read: Next): Promise<WatchedChat | 'done' | null> {
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 50));
  return Promise.race([read.then((r) => (r.done ? 'done' : r.value)), timeout]);
}

describe('watchChats', () => {
  it('queues a changed chat once until it is read, so a burst costs one read', async () => {
    const bus = new LocalRealtimeBus();
    const db = source({ [A]: chatAt(A, 5), [B]: chatAt(B, 1) });
    const watch = await watchChats(bus, VIEWER, db);
    try {
      for (let seq = 1; seq <= 5; seq++) await bus.publish(chatChannel(A), stored(A, seq));
      await bus.publish(chatChannel(B), stored(B, 1));
      expect([await within(watch.next()), await within(watch.next())]).toMatchObject([{ id: A }, { id: B }]);
      const third = watch.next();
      expect(await within(third)).toBeNull();
      await bus.publish(chatChannel(A), stored(A, 6));
      expect(await within(third)).toMatchObject({ id: A, lastSeq: 6 });
    } finally {
      await watch.return?.();
      await bus.close();
    }
  });

  it('builds later updates from what the persister published: one load per chat, then none per message', async () => {
    const bus = new LocalRealtimeBus();
    const db = source({ [A]: chatAt(A, 1) });
    const watch = await watchChats(bus, VIEWER, db);
    try {
      await bus.publish(chatChannel(A), stored(A, 1));
      expect(await within(watch.next())).toMatchObject({ lastSeq: 1, lastReadSeq: 0 });
      expect(db.loads).toBe(1);
      for (let seq = 2; seq <= 4; seq++) {
        await bus.publish(chatChannel(A), stored(A, seq, seq === 4 ? VIEWER : OTHER));
        const chat = await within(watch.next());
        expect(chat).toMatchObject({ id: A, lastSeq: seq, updatedAt: new Date(T0.getTime() + seq * 1000) });
        expect(chat !== null && chat !== 'done' && chat.lastMessage?.seq).toBe(seq);
      }
      // The viewer's own message moves their read mark, as the persister does in the database.
      expect(db.loads).toBe(1);
      // An old message published again changes nothing.
      await bus.publish(chatChannel(A), stored(A, 2));
      expect(await within(watch.next())).toMatchObject({ lastSeq: 4, lastReadSeq: 4 });
    } finally {
      await watch.return?.();
      await bus.close();
    }
  });

  it('loads the chat again when the viewer’s own read mark moved elsewhere, and yields a fresh object per read', async () => {
    const bus = new LocalRealtimeBus();
    const chats = { [A]: chatAt(A, 3) };
    const db = source(chats);
    const watch = await watchChats(bus, VIEWER, db);
    try {
      await bus.publish(chatChannel(A), stored(A, 3));
      const first = await within(watch.next());
      chats[A] = chatAt(A, 3, 3);
      await bus.publish(userChannel(VIEWER), { type: 'chatRead', chatId: A });
      const second = await within(watch.next());
      expect(second).toMatchObject({ lastReadSeq: 3 });
      expect(second).not.toBe(first);
      expect(db.loads).toBe(2);
    } finally {
      await watch.return?.();
      await bus.close();
    }
  });

  it('drops a chat left while the watch was starting: its chat list no longer follows it', async () => {
    const bus = new LocalRealtimeBus();
    // The first read still lists B; the viewer left it (and its leave was published) before the watch followed it.
    const reads = [[A, B], [A]];
    const db = source({ [A]: chatAt(A, 1), [B]: chatAt(B, 2) }, () => reads.shift() ?? [A]);
    const watch = await watchChats(bus, VIEWER, db);
    try {
      await bus.publish(chatChannel(B), stored(B, 2));
      await bus.publish(chatChannel(A), stored(A, 1));
      expect((await within(watch.next())) as WatchedChat).toMatchObject({ id: A });
      expect(await within(watch.next())).toBeNull();
    } finally {
      await watch.return?.();
      await bus.close();
    }
  });

  it('stops following a chat once the viewer’s leave arrives', async () => {
    const bus = new LocalRealtimeBus();
    const db = source({ [A]: chatAt(A, 1) });
    const watch = await watchChats(bus, VIEWER, db);
    try {
      await bus.publish(chatChannel(A), { type: 'memberLeft', chatId: A, userId: VIEWER });
      await bus.publish(chatChannel(A), stored(A, 2));
      expect(await within(watch.next())).toBeNull();
    } finally {
      await watch.return?.();
      await bus.close();
    }
  });
});
