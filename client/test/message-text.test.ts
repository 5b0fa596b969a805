import { describe, expect, it } from 'vitest';
import { isEmojiOnly, isLong, linkTokens } from '../src/lib/message-text';

describe('message text', () => {
  it('makes http and https URLs links, with the text around them kept as text', () => {
    expect(linkTokens('see https://example.org/a?b=1#c and http://x.test')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.org/a?b=1#c', href: 'https://example.org/a?b=1#c' },
      { kind: 'text', text: ' and ' },
      { kind: 'link', text: 'http://x.test', href: 'http://x.test/' },
    ]);
    expect(linkTokens('plain words')).toEqual([{ kind: 'text', text: 'plain words' }]);
    expect(linkTokens('')).toEqual([]);
  });

  it('leaves sentence punctuation out of a link but keeps brackets the link opened', () => {
    expect(linkTokens('Read https://example.org/docs.')[1]).toMatchObject({ kind: 'link', text: 'https://example.org/docs' });
    expect(linkTokens('(https://example.org/x)')).toEqual([
      { kind: 'text', text: '(' },
      { kind: 'link', text: 'https://example.org/x', href: 'https://example.org/x' },
      { kind: 'text', text: ')' },
    ]);
    expect(linkTokens('https://en.wikipedia.org/wiki/Foo_(bar)!')[0]).toMatchObject({ text: 'https://en.wikipedia.org/wiki/Foo_(bar)' });
  });

  it('never links another scheme, and markup stays text', () => {
    for (const body of [
      'javascript:alert(1)',
      'click javascript://%0aalert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      'https://',
      '<a href="javascript:alert(1)">x</a>',
    ]) {
      const tokens = linkTokens(body);
      expect(tokens.filter((t) => t.kind === 'link'), body).toEqual([]);
      expect(tokens.map((t) => t.text).join(''), body).toBe(body);
    }
    // A link inside markup-looking text still only takes the URL.
    expect(linkTokens('<img src=x onerror=alert(1)> https://ok.test')).toEqual([
      { kind: 'text', text: '<img src=x onerror=alert(1)> ' },
      { kind: 'link', text: 'https://ok.test', href: 'https://ok.test/' },
    ]);
  });

  it('tells 1 to 3 emoji alone from anything else', () => {
    for (const yes of ['😀', '👍🏽', '🇫🇷', '👨‍👩‍👧‍👦', '❤️', '🎉 🎉 🎉', ' 😂😂 ']) expect(isEmojiOnly(yes), yes).toBe(true);
    for (const no of ['', '   ', 'hi 😀', '😀😀😀😀', '123', '#', ':)', '😀!', 'a']) expect(isEmojiOnly(no), no).toBe(false);
  });

  it('folds a message beyond 700 characters or 12 lines', () => {
    expect(isLong('x'.repeat(700))).toBe(false);
    expect(isLong('x'.repeat(701))).toBe(true);
    expect(isLong(Array(12).fill('line').join('\n'))).toBe(false);
    expect(isLong(Array(13).fill('line').join('\n'))).toBe(true);
  });
});
