import { describe, expect, it } from 'vitest';
import { parseSearchQuery } from '../../src/domain/search-query.js';
import { snippetOf } from '../../src/domain/search-snippet.js';

describe('parseSearchQuery', () => {
  it('takes the words as written, the last also as a prefix from three letters unless a space follows it', () => {
    expect(parseSearchQuery('  Hello wor ')).toEqual({ text: 'Hello wor', words: ['hello', 'wor'], prefix: null });
    expect(parseSearchQuery('Hello wor')).toEqual({ text: 'Hello wor', words: ['hello', 'wor'], prefix: { word: 'wor', before: 'Hello ' } });
    expect(parseSearchQuery('hello wo').prefix).toBeNull();
    expect(parseSearchQuery('ada@example.com').prefix).toEqual({ word: 'com', before: 'ada@example.' });
    expect(parseSearchQuery('Привет').words).toEqual(['привет']);
  });

  it('refuses a query without words, or with too many', () => {
    expect(() => parseSearchQuery('')).toThrow(/word/);
    expect(() => parseSearchQuery('?!')).toThrow(/word/);
    expect(() => parseSearchQuery(Array(17).fill('w').join(' '))).toThrow(/16 words/);
  });
});

describe('snippetOf', () => {
  const terms = (query: string) => parseSearchQuery(query);

  it('marks every match of a whole word or of the prefix completed, never inside another word', () => {
    expect(snippetOf('the cat and the catalogue; bobcat', terms('cat '))).toBe('the [[cat]] and the catalogue; bobcat');
    expect(snippetOf('the cat and the catalogue; bobcat', terms('cat'))).toBe('the [[cat]] and the [[catalogue]]; bobcat');
    expect(snippetOf('Größe ZÄHLT', terms('zählt '))).toBe('Größe [[ZÄHLT]]');
  });

  it('shows the part around the first match on one line, with … where the message goes on', () => {
    const body = `${'word '.repeat(40)}needle\n${'tail '.repeat(60)}`;
    const snippet = snippetOf(body, terms('needle '));
    expect(snippet.startsWith('…word ')).toBe(true);
    expect(snippet).toContain('[[needle]] tail');
    expect(snippet.endsWith('…')).toBe(true);
    expect(snippet).not.toContain('\n');
    expect(snippet.length).toBeLessThanOrEqual(160 + 2 + 4);
  });

  it('shows the start of a message where no word is found, and never splits an emoji', () => {
    expect(snippetOf('nothing here', terms('absent '))).toBe('nothing here');
    const emoji = `${'a'.repeat(159)}😀 and more`;
    expect(snippetOf(emoji, terms('absent '))).toBe(`${'a'.repeat(159)}…`);
  });

  it('never starts inside an emoji either: the context before a match keeps whole characters', () => {
    // 30 emoji (60 UTF-16 units) then the match: 40 units before it falls between the halves of one.
    const snippet = snippetOf(`${'😀'.repeat(30)},lighthouse`, terms('lighthouse'));
    expect(snippet.isWellFormed()).toBe(true);
    expect(snippet).toBe(`…${'😀'.repeat(20)},[[lighthouse]]`);
  });
});
