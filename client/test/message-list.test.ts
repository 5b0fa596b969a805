import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import MessageList from '../src/lib/components/MessageList.svelte';
import { Timeline } from '../src/lib/timeline.svelte';

const now = new Date().toISOString();
const ada = { id: 'ada', username: 'ada', displayName: 'Ada', createdAt: now };
const bob = { id: 'bob', username: 'bob', displayName: 'Bob', createdAt: now };
const stored = (seq: number, sender = bob, body = `message ${seq}`, clientId: string | null = null) => ({
  id: `m${seq}`,
  chatId: 'c1',
  seq,
  clientId,
  body,
  createdAt: now,
  sender,
});

describe('message list', () => {
  it('shows an own message at once as pending, then once as the stored message with the same clientId', async () => {
    const timeline = new Timeline(ada.id);
    timeline.add([stored(1)]);
    timeline.addPending({ clientId: 'k1', body: 'hello from ada', createdAt: now, sender: ada });
    const { rerender } = render(MessageList, { items: timeline.items, viewerId: ada.id });

    const pending = screen.getByTestId('pending-message');
    expect(within(pending).getByText('hello from ada')).toBeTruthy();
    expect(within(pending).getByText('Sending…')).toBeTruthy();

    // The live event (possibly replayed twice after a reconnect) replaces it.
    timeline.add([stored(2, ada, 'hello from ada', 'k1')]);
    timeline.add([stored(2, ada, 'hello from ada', 'k1')]);
    await rerender({ items: timeline.items });
    expect(screen.queryByTestId('pending-message')).toBeNull();
    expect(screen.getAllByText('hello from ada')).toHaveLength(1);
    expect(screen.getAllByTestId('message').map((li) => li.dataset.seq)).toEqual(['1', '2']);
  });

  it('offers a retry for a send that failed', async () => {
    const timeline = new Timeline(ada.id);
    timeline.addPending({ clientId: 'k9', body: 'lost in a tunnel', createdAt: now, sender: ada });
    timeline.setPending('k9', 'failed', 'Not sent: no connection');
    const onRetry = vi.fn();
    render(MessageList, { items: timeline.items, viewerId: ada.id, onRetry });
    expect(screen.getByText('Not sent: no connection')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(onRetry).toHaveBeenCalledWith('k9');
  });

  it('keeps messages in seq order however pages and live events interleave', () => {
    const timeline = new Timeline(ada.id);
    timeline.add([stored(5), stored(6)]);
    timeline.add([stored(7)]);
    timeline.add([stored(2), stored(3), stored(4)]);
    timeline.add([stored(6), stored(7), stored(8)]);
    expect(timeline.messages.map((m) => m.seq)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(timeline.lastSeq).toBe(8);
  });
});

describe('message list: system and deleted messages', () => {
  it('shows a system message as a line saying who did what, and a deleted message as deleted', async () => {
    const timeline = new Timeline(ada.id);
    timeline.add([
      { ...stored(1, bob, 'gone'), kind: 'TEXT', deletedAt: now },
      { ...stored(2, ada, ''), kind: 'MEMBER_JOINED', subject: bob },
      { ...stored(3, bob, 'Book club'), kind: 'CHAT_RENAMED', subject: null },
      { ...stored(4, bob, ''), kind: 'MEMBER_LEFT', subject: bob },
    ] as never);
    render(MessageList, { items: timeline.items, viewerId: ada.id, showSenders: true });
    expect(screen.getAllByTestId('system-message').map((li) => li.textContent?.replace(/\s+\d.*$/, '').trim())).toEqual([
      'You added Bob',
      'Bob renamed the group to “Book club”',
      'Bob left',
    ]);
    expect(screen.getByText('Message deleted')).toBeTruthy();
    expect(screen.queryByText('gone')).toBeNull();
  });
});
