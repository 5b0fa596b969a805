import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TypingSender } from '../src/lib/typing-sender';

describe('TypingSender', () => {
  let sent: boolean[];
  let sender: TypingSender;
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    sender = new TypingSender(async (typing) => sent.push(typing), 4_000, 5_000);
  });
  afterEach(() => vi.useRealTimers());

  it('sends true on the first key, renews every 4 s while typing, and false after 5 s without a key', () => {
    sender.input(false);
    expect(sent).toEqual([true]);
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(500);
      sender.input(false);
    }
    // 5 s of typing: one renewal at 4 s.
    expect(sent).toEqual([true, true]);
    vi.advanceTimersByTime(4_999);
    expect(sent).toEqual([true, true]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([true, true, false]);
  });

  it('stops on blur and when the box is emptied, once', () => {
    sender.input(false);
    sender.stop();
    sender.stop();
    expect(sent).toEqual([true, false]);
    vi.advanceTimersByTime(1_100);
    sender.input(false);
    sender.input(true);
    expect(sent).toEqual([true, false, true, false]);
    vi.advanceTimersByTime(10_000);
    expect(sent).toEqual([true, false, true, false]);
  });

  it('sends nothing more after a send: the server stops it', () => {
    sender.input(false);
    sender.sent();
    vi.advanceTimersByTime(10_000);
    sender.stop();
    expect(sent).toEqual([true]);
    sender.input(false);
    expect(sent).toEqual([true, true]);
  });
});

describe('TypingSender right after a send', () => {
  afterEach(() => vi.useRealTimers());

  it('holds a start until a second has passed since the last signal, which the API would drop', () => {
    vi.useFakeTimers();
    const sent: [boolean, number][] = [];
    const sender = new TypingSender(async (typing) => sent.push([typing, Date.now()]), 4_000, 5_000, Date.now, 1_100);
    const t0 = Date.now();
    sender.input(false);
    vi.advanceTimersByTime(300);
    sender.sent();
    sender.input(false);
    expect(sent.map(([t]) => t)).toEqual([true]);
    vi.advanceTimersByTime(800);
    expect(sent).toEqual([[true, t0], [true, t0 + 1_100]]);
    // Blur before a held start went out sends nothing.
    sender.sent();
    vi.advanceTimersByTime(200);
    sender.input(false);
    sender.stop();
    vi.advanceTimersByTime(5_000);
    expect(sent).toHaveLength(2);
  });
});
