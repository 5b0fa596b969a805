import type { SearchTerms } from '../message-store/port.js';
import { badInput } from './errors.js';
import { searchText } from './text.js';

/** Characters of a search query: longer is not a search but a paste. */
export const SEARCH_QUERY_MAX = 256;
/** Words of a search query: each is one more index lookup. */
const SEARCH_WORDS_MAX = 16;
/**
 * The shortest last word matched as a prefix: one or two letters begin a
 * large share of all words, so their prefix reads most of the index and
 * tells the searcher little.
 */
export const PREFIX_MIN = 3;

const WORD = /[\p{L}\p{N}]+/gu;

/** A query as typed, for the message store: every word must match; the last, if long enough and not followed by a space, also as a prefix. */
export function parseSearchQuery(raw: string): SearchTerms {
  const text = searchText(raw, 'query', SEARCH_QUERY_MAX);
  const matches = text === null ? [] : [...text.matchAll(WORD)];
  if (text === null || matches.length === 0) throw badInput('query must contain a word (letters or digits)');
  if (matches.length > SEARCH_WORDS_MAX) throw badInput(`query has at most ${SEARCH_WORDS_MAX} words`);
  const words = matches.map((m) => m[0].toLowerCase());
  const last = matches.at(-1)!;
  // A space typed after the last word says it is whole (the text itself is trimmed).
  const endsInWord = last.index + last[0].length === text.length && !/\s$/u.test(raw);
  const prefix = endsInWord && last[0].length >= PREFIX_MIN ? { word: words.at(-1)!, before: text.slice(0, last.index) } : null;
  return { text, words, prefix };
}
