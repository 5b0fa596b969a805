/** A piece of a search snippet: plain text, or a match to mark. */
export interface SnippetPart {
  text: string;
  mark: boolean;
}

/**
 * A search result's snippet ("Shall we meet at the [[lighthouse]]…") as text
 * and marked parts, for rendering as text and `<mark>` nodes (never as HTML).
 * The API inserts the marks as they are (schema.graphql, `snippet`), so a
 * `[[` with no `]]` after it, or a `]]` outside a match, is kept as text;
 * empty parts are dropped and neighbouring text is joined.
 */
export function parseSnippet(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  const push = (text: string, mark: boolean) => {
    if (!text) return;
    const last = parts.at(-1);
    if (last && last.mark === mark && !mark) last.text += text;
    else parts.push({ text, mark });
  };
  let rest = snippet;
  while (rest) {
    const open = rest.indexOf('[[');
    const close = open < 0 ? -1 : rest.indexOf(']]', open + 2);
    if (open < 0 || close < 0) {
      push(rest, false);
      break;
    }
    push(rest.slice(0, open), false);
    push(rest.slice(open + 2, close), true);
    rest = rest.slice(close + 2);
  }
  return parts;
}
