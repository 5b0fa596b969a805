import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DocumentCache, type CheckedDocument } from '../../src/graphql/document-cache.js';

const checked = (query: string): CheckedDocument => ({ document: parse(query), errors: [] });
const query = (n: number, padding = 0) => `{ a${n}: __typename ${'b: __typename '.repeat(padding)}}`;

describe('DocumentCache', () => {
  it('checks each query text once while it is kept', () => {
    const cache = new DocumentCache({ maxTotalChars: 10_000, maxEntryChars: 1_000 });
    let checks = 0;
    const check = (q: string) => (checks++, checked(q));
    const first = cache.get(query(1), check);
    expect(cache.get(query(1), check)).toBe(first);
    expect(checks).toBe(1);
  });

  it('is bounded by the size of the texts it holds, dropping the least recently used', () => {
    const cache = new DocumentCache({ maxTotalChars: 2_000, maxEntryChars: 1_000 });
    const check = (q: string) => checked(q);
    for (let n = 0; n < 100; n++) cache.get(query(n, 30), check);
    const { entries, chars } = cache.size;
    expect(chars).toBeLessThanOrEqual(2_000);
    expect(entries).toBeGreaterThan(1);
    expect(entries).toBeLessThan(100);
  });

  it('does not keep a text longer than maxEntryChars, nor a parse failure', () => {
    const cache = new DocumentCache({ maxTotalChars: 1_000_000, maxEntryChars: 100 });
    cache.get(query(1, 50), checked);
    cache.get('{', () => []);
    expect(cache.size).toEqual({ entries: 0, chars: 0 });
  });
});
