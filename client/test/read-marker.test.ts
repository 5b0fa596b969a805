import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReadMarker } from '../src/lib/read-marker';

describe('read marker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the highest seq seen, at most once per interval, and never one already read', async () => {
    const sent: number[] = [];
    const marker = new ReadMarker(async (seq) => void sent.push(seq), 3, 800);
    marker.seen(2);
    marker.seen(3);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([]);
    marker.seen(4);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([4]);
    for (const seq of [5, 6, 7, 8]) marker.seen(seq);
    await vi.advanceTimersByTimeAsync(500);
    expect(sent).toEqual([4]);
    await vi.advanceTimersByTimeAsync(300);
    expect(sent).toEqual([4, 8]);
  });

  it('sends again after a failure once asked to (the reconnect does)', async () => {
    let fail = true;
    const sent: number[] = [];
    const marker = new ReadMarker(async (seq) => {
      if (fail) throw new Error('offline');
      sent.push(seq);
    }, 0, 800);
    marker.seen(5);
    await vi.advanceTimersByTimeAsync(0);
    fail = false;
    marker.schedule();
    await vi.advanceTimersByTimeAsync(800);
    expect(sent).toEqual([5]);
  });
});
