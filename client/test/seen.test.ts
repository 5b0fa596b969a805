import { describe, expect, it } from 'vitest';
import { seenState, typingText } from '../src/lib/seen';

const user = (id: string) => ({ id, username: id, displayName: id.toUpperCase(), createdAt: '2026-01-01T00:00:00Z', isBot: false });

describe('seenState', () => {
  it('is nothing without an own message, and unlabelled until someone reads the newest one', () => {
    expect(seenState([], [{ user: user('a'), lastReadSeq: 9 }], 'DIRECT')).toBeNull();
    expect(seenState([2, 5], [{ user: user('a'), lastReadSeq: 4 }], 'DIRECT')).toEqual({ seq: 5, label: null, readers: [] });
  });

  it('says Seen on a direct chat once the other read up to it or past it', () => {
    expect(seenState([2, 5], [{ user: user('a'), lastReadSeq: 7 }], 'DIRECT')?.label).toBe('Seen');
  });

  it('counts the readers in a group and names them', () => {
    const state = seenState([3], [
      { user: user('a'), lastReadSeq: 3 },
      { user: user('b'), lastReadSeq: 2 },
      { user: user('c'), lastReadSeq: 8 },
    ], 'GROUP');
    expect(state?.label).toBe('Seen by 2');
    expect(state?.readers.map((u) => u.id)).toEqual(['a', 'c']);
  });
});

describe('typingText', () => {
  it('names one, two, or the first and how many more', () => {
    expect(typingText([])).toBe('');
    expect(typingText(['Ada'])).toBe('Ada is typing…');
    expect(typingText(['Ada', 'Bob'])).toBe('Ada and Bob are typing…');
    expect(typingText(['Ada', 'Bob', 'Cy'])).toBe('Ada and 2 others are typing…');
  });
});
