import type { ChatFieldsFragment } from '@parley/sdk/documents';
import type { Client } from '@urql/core';
import { describe, expect, it } from 'vitest';
import { ChatList } from '../src/lib/chat-list.svelte';

const now = new Date().toISOString();
const ada = { id: 'ada', username: 'ada', displayName: 'Ada', createdAt: now };
const bob = { id: 'bob', username: 'bob', displayName: 'Bob', createdAt: now };
const chat = (id: string, extra: Partial<ChatFieldsFragment> = {}) =>
  ({ id, kind: 'DIRECT', title: null, lastSeq: 5, lastReadSeq: 0, unreadCount: 5, createdAt: now, updatedAt: now, memberCount: 2, members: [ada, bob], lastMessage: null, ...extra }) as ChatFieldsFragment;

/** A client whose chats page answers when the test says, and whose chatUpdated the test pushes. */
function slowClient() {
  let answer!: (chats: ChatFieldsFragment[]) => void;
  let push!: (chat: ChatFieldsFragment) => void;
  const client = {
    query: () => ({
      toPromise: () =>
        new Promise((resolve) => {
          answer = (chats) => resolve({ data: { chats: { edges: chats.map((node) => ({ node })) } } });
        }),
    }),
    subscription: () => ({
      subscribe: (sink: (result: unknown) => void) => {
        push = (chatUpdated) => sink({ data: { chatUpdated } });
        return { unsubscribe: () => {} };
      },
    }),
  } as unknown as Client;
  return { client, answer: (chats: ChatFieldsFragment[]) => answer(chats), push: (c: ChatFieldsFragment) => push(c) };
}

describe('chat list store', () => {
  it('keeps a chatUpdated that arrives while the list is loading over the older page', async () => {
    const { client, answer, push } = slowClient();
    const list = new ChatList();
    const seen: [string, number | undefined][] = [];
    list.follow(client, (next, previous) => seen.push([next.id, previous?.unreadCount]));
    const loading = list.load(client);
    // Read on this device while the page was on its way; and a chat created meanwhile.
    push(chat('c1', { lastReadSeq: 5, unreadCount: 0 }));
    push(chat('c2', { lastSeq: 1, unreadCount: 1 }));
    answer([chat('c1'), chat('c3')]);
    await loading;
    expect(list.find('c1')?.unreadCount).toBe(0);
    expect(list.chats.map((c) => c.id).sort()).toEqual(['c1', 'c2', 'c3']);
    expect(seen).toEqual([['c1', undefined], ['c2', undefined]]);

    // Once loaded, the page no longer overrides anything, and later events replace entries as before.
    push(chat('c3', { unreadCount: 7 }));
    expect(list.find('c3')?.unreadCount).toBe(7);
    expect(seen.at(-1)).toEqual(['c3', 5]);
  });
});
