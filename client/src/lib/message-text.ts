/*
 * How a message's text is shown: which parts are links, whether it is only a
 * few emoji, whether it is long enough to fold. Pure functions; the component
 * (MessageBody.svelte) builds text nodes and <a> elements from the tokens, so
 * nothing in a message can become markup.
 */

export type TextToken = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

/** Candidates only: what follows is checked with the URL parser and must stay http or https. */
const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"]+/giu;
/** Sentence punctuation after a link is not part of it ("see https://x.org."). */
const TRAILING = /[.,;:!?'"*_)\]}>]+$/u;

function trimTrailing(url: string): string {
  let end = url.replace(TRAILING, '');
  // A closing bracket that closes one opened inside the link belongs to it (Wikipedia's "Foo_(bar)").
  for (const [open, close] of [['(', ')'], ['[', ']']] as const) {
    while (url.length > end.length && url[end.length] === close && count(end, open) > count(end, close)) end += close;
  }
  return end;
}
const count = (s: string, ch: string) => s.split(ch).length - 1;

function safeHref(text: string): string | null {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** The text split into plain runs and http(s) links; any other scheme (javascript:, data:, …) stays text. */
export function linkTokens(body: string): TextToken[] {
  const tokens: TextToken[] = [];
  let at = 0;
  const pushText = (text: string) => {
    if (!text) return;
    const last = tokens.at(-1);
    if (last?.kind === 'text') last.text += text;
    else tokens.push({ kind: 'text', text });
  };
  for (const match of body.matchAll(URL_CANDIDATE)) {
    const start = match.index;
    const text = trimTrailing(match[0]);
    const href = safeHref(text);
    if (!href || text.length <= text.indexOf('//') + 2) continue;
    pushText(body.slice(at, start));
    tokens.push({ kind: 'link', text, href });
    at = start + text.length;
  }
  pushText(body.slice(at));
  return tokens;
}

const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u;
const EMOJI_ONLY_CLUSTER = /^[\p{Extended_Pictographic}\p{Emoji_Component}\p{Emoji_Modifier}\u200d\ufe0e\ufe0f\u20e3\u{e0020}-\u{e007f}]+$/u;

/** 1 to `max` emoji (a flag, a family, a skin tone each count as one) and nothing else but spaces. */
export function isEmojiOnly(body: string, max = 3): boolean {
  const text = body.trim();
  if (!text || text.length > 64) return false;
  const segmenter = typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
  const clusters = segmenter ? [...segmenter.segment(text)].map((s) => s.segment) : [...text];
  let emoji = 0;
  for (const cluster of clusters) {
    if (/^\s+$/u.test(cluster)) continue;
    if (!EMOJI_ONLY_CLUSTER.test(cluster) || !PICTOGRAPH.test(cluster)) return false;
    if (++emoji > max) return false;
  }
  return emoji > 0;
}

/** Beyond this a message is folded behind "Show more". */
const FOLD_CHARACTERS = 700;
export const FOLD_LINES = 12;

export function isLong(body: string): boolean {
  return body.length > FOLD_CHARACTERS || body.split('\n').length > FOLD_LINES;
}
