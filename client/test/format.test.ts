import { describe, expect, it } from 'vitest';
import { shortTime } from '../src/lib/format.js';

describe('shortTime (the chat list)', () => {
  const now = new Date(2026, 11, 2, 9, 30);
  it('says the time today, "Yesterday" for yesterday (even a few hours ago), the weekday within a week, else the date', () => {
    expect(shortTime(new Date(2026, 11, 2, 8, 5).toISOString(), now)).toMatch(/08|8/);
    expect(shortTime(new Date(2026, 11, 1, 23, 50).toISOString(), now)).toBe('Yesterday');
    expect(shortTime(new Date(2026, 11, 1, 0, 10).toISOString(), now)).toBe('Yesterday');
    expect(shortTime(new Date(2026, 10, 29, 12).toISOString(), now)).toBe(new Date(2026, 10, 29).toLocaleDateString([], { weekday: 'short' }));
    expect(shortTime(new Date(2026, 10, 20, 12).toISOString(), now)).toBe(new Date(2026, 10, 20).toLocaleDateString([], { day: 'numeric', month: 'short' }));
  });
});
