import { describe, expect, it } from 'vitest';
import { parseSnippet } from '../src/lib/snippet';

describe('search snippet', () => {
  it('splits the matches marked with [[ and ]] from the text around them', () => {
    expect(parseSnippet('Shall we [[meet]] at the [[lighthouse]] tomorrow?')).toEqual([
      { text: 'Shall we ', mark: false },
      { text: 'meet', mark: true },
      { text: ' at the ', mark: false },
      { text: 'lighthouse', mark: true },
      { text: ' tomorrow?', mark: false },
    ]);
  });

  it('handles matches at either end, next to each other, and a snippet without any', () => {
    expect(parseSnippet('[[lighthouse]]')).toEqual([{ text: 'lighthouse', mark: true }]);
    expect(parseSnippet('…the [[light]][[house]]')).toEqual([
      { text: '…the ', mark: false },
      { text: 'light', mark: true },
      { text: 'house', mark: true },
    ]);
    expect(parseSnippet('nothing marked…')).toEqual([{ text: 'nothing marked…', mark: false }]);
    expect(parseSnippet('')).toEqual([]);
  });

  it('keeps brackets that mark nothing as text, and markup as text', () => {
    // The API does not escape brackets in the message itself.
    expect(parseSnippet('a [[b')).toEqual([{ text: 'a [[b', mark: false }]);
    expect(parseSnippet('x]] [[y]]')).toEqual([
      { text: 'x]] ', mark: false },
      { text: 'y', mark: true },
    ]);
    expect(parseSnippet('[[<b>]] [[')).toEqual([
      { text: '<b>', mark: true },
      { text: ' [[', mark: false },
    ]);
    expect(parseSnippet('[[]]x')).toEqual([{ text: 'x', mark: false }]);
  });
});
