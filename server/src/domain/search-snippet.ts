import type { SearchTerms } from '../message-store/port.js';

/** Characters of a snippet, and how many of them come before the first match. */
const SNIPPET_CHARS = 160;
const CONTEXT_BEFORE = 40;
/** Marks around each match in a snippet. */
export const MATCH_OPEN = '[[';
export const MATCH_CLOSE = ']]';

const LOW_SURROGATE = /[\uDC00-\uDFFF]/;

const escape = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whole words, and the prefix with whatever completes it: neither inside a longer word. */
function matcher(terms: SearchTerms): RegExp {
  const alternatives = terms.words.map(escape);
  if (terms.prefix) alternatives.push(`${escape(terms.prefix.word)}[\\p{L}\\p{N}]*`);
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
}

/**
 * The part of a message that matched, on one line, each match between
 * [[ and ]], with … where the message goes on. Engines match a little
 * differently (a whole address, a completed word); a message where no word
 * is found shows its start.
 */
export function snippetOf(body: string, terms: SearchTerms): string {
  const text = body.replace(/\s+/g, ' ');
  const re = matcher(terms);
  const first = re.exec(text);
  re.lastIndex = 0;
  let start = first ? Math.max(0, first.index - CONTEXT_BEFORE) : 0;
  // Start at a word, not inside one (unless the word is longer than the context).
  if (start > 0) {
    const space = text.indexOf(' ', start);
    if (space !== -1 && first && space < first.index) start = space + 1;
  }
  // Never split a surrogate pair, at either end: an emoji is one character to the reader.
  if (start > 0 && LOW_SURROGATE.test(text[start]!)) start--;
  let end = Math.min(text.length, start + SNIPPET_CHARS);
  if (end < text.length && LOW_SURROGATE.test(text[end]!)) end--;
  const marked = text.slice(start, end).replace(re, (match) => `${MATCH_OPEN}${match}${MATCH_CLOSE}`);
  return `${start > 0 ? '…' : ''}${marked}${end < text.length ? '…' : ''}`;
}
