import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatFeed } from '../src/lib/chat-feed.svelte';
import { fakeClient } from './fake-client';

const ada = { id: 'ada', username: 'ada', displayName: 'Ada', createdAt: '2026-12-02T10:00:00.000Z', isBot: false };
const flush = () => vi.advanceTimersByTimeAsync(0);

describe('sends refused as too many at once', () => {
  afterEach(() => vi.useRealTimers());

  it('keep the order they were written in: one written while others wait for the limit joins the end of the line', async () => {
    vi.useFakeTimers();
    // The server takes 3 sends, then refuses until its window turns; after that it takes everything.
    let windowTurned = false;
    let taken = 0;
    const { client, calls } = fakeClient({
      SendMessage: () =>
        windowTurned || taken < 3
          ? (taken++, { data: { sendMessage: { messageId: `m${taken}`, clientId: 'x' } } })
          : { code: 'RATE_LIMITED', message: 'Too many messages at once', retryAfterMs: 2_000 },
    });
    const feed = new ChatFeed(client, 'c1', ada);
    for (let i = 1; i <= 6; i++) feed.send(`quick ${i}`);
    await flush();
    const sent = () => calls.filter((c) => c.operation === 'SendMessage').map((c) => c.variables.body);
    expect(sent()).toEqual(['quick 1', 'quick 2', 'quick 3', 'quick 4', 'quick 5', 'quick 6']);

    // The window turns before the resend is due, and the person writes one more: sent at once, it would be
    // stored ahead of quick 4 to 6.
    windowTurned = true;
    feed.send('quick 7');
    await flush();
    expect(sent().slice(6)).toEqual([]);
    expect(feed.timeline.pending.map((p) => [p.body, p.state])).toContainEqual(['quick 7', 'failed']);

    await vi.advanceTimersByTimeAsync(2_100);
    expect(sent().slice(6)).toEqual(['quick 4', 'quick 5', 'quick 6', 'quick 7']);
    feed.stop();
  });
});
