import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import ChatList from '../src/lib/components/ChatList.svelte';
import type { ChatFieldsFragment } from '@parley/sdk/documents';

const ada = { id: 'ada', username: 'ada', displayName: 'Ada Lovelace', createdAt: new Date().toISOString() };
const bob = { id: 'bob', username: 'bob', displayName: 'Bob', createdAt: new Date().toISOString() };

const chat = (id: string, extra: Partial<ChatFieldsFragment>): ChatFieldsFragment => ({
  id,
  kind: 'DIRECT',
  title: null,
  lastSeq: 0,
  lastReadSeq: 0,
  unreadCount: 0,
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  memberCount: 2,
  members: [ada, bob],
  lastMessage: null,
  ...extra,
});

describe('chat list', () => {
  it("names a direct chat after the other member and a group by its title, with the last message and an unread badge", () => {
    const chats = [
      chat('c1', {
        lastSeq: 3,
        lastReadSeq: 1,
        unreadCount: 2,
        lastMessage: { id: 'm3', chatId: 'c1', seq: 3, clientId: null, body: 'are you there?', createdAt: new Date().toISOString(), sender: bob },
      }),
      chat('c2', {
        kind: 'GROUP',
        title: 'Book club',
        lastSeq: 1,
        lastReadSeq: 1,
        lastMessage: { id: 'm1', chatId: 'c2', seq: 1, clientId: null, body: 'see you', createdAt: new Date().toISOString(), sender: ada },
      }),
    ];
    render(ChatList, { chats, viewerId: 'ada' });
    const links = screen.getAllByRole('link');
    expect(links[0].textContent).toContain('Bob');
    expect(links[0].textContent).toContain('are you there?');
    expect(links[0].getAttribute('href')).toBe('#/chats/c1');
    // The badge reads as "2 unread" to a screen reader.
    expect(screen.getByRole('link', { name: /^Bob .* are you there\? ?, 2 unread$/ })).toBeTruthy();
    expect(links[1].textContent).toContain('Book club');
    expect(links[1].textContent).toContain('You: see you');
    expect(screen.getAllByTestId('unread-badge').map((b) => b.textContent)).toEqual(['2, 2 unread']);
  });
});
