import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import MessageList from '../src/lib/components/MessageList.svelte';
import { Timeline } from '../src/lib/timeline.svelte';

const now = new Date().toISOString();
const ada = { id: 'ada', username: 'ada', displayName: 'Ada', createdAt: now };
const bob = { id: 'bob', username: 'bob', displayName: 'Bob', createdAt: now };
const stored = (seq: number, sender = bob, body = `message ${seq}`) => ({ id: `m${seq}`, chatId: 'c1', seq, clientId: null, body, createdAt: now, sender });

describe('new messages divider', () => {
  it('goes before the first unread message from someone else, skipping own ones, and nowhere without unread', async () => {
    const timeline = new Timeline(ada.id);
    timeline.add([stored(1), stored(2, ada), stored(3, ada), stored(4), stored(5)]);
    const { container, rerender } = render(MessageList, { items: timeline.items, viewerId: ada.id, firstUnreadSeq: 2 });
    const divider = screen.getByTestId('unread-divider');
    expect(divider.textContent).toBe('New messages');
    expect((divider.nextElementSibling as HTMLElement).dataset.seq).toBe('4');
    expect(container.querySelectorAll('[data-testid="unread-divider"]')).toHaveLength(1);
    await rerender({ firstUnreadSeq: null });
    expect(screen.queryByTestId('unread-divider')).toBeNull();
  });

  it('waits for the page holding the read position when more are unread than one page', async () => {
    const timeline = new Timeline(ada.id);
    timeline.add([stored(21), stored(22), stored(23)]);
    const { rerender } = render(MessageList, { items: timeline.items, viewerId: ada.id, firstUnreadSeq: 11, hasOlder: true });
    expect(screen.queryByTestId('unread-divider')).toBeNull();
    timeline.add([stored(9), stored(10), stored(11), stored(12)]);
    await rerender({ items: timeline.items });
    expect((screen.getByTestId('unread-divider').nextElementSibling as HTMLElement).dataset.seq).toBe('11');
  });
});
