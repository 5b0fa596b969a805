/**
 * Hash routing (#/, #/chats/<id> and #/chats/<id>/m/<seq>, a chat opened at
 * one message): the server serves one page at `/`, so no URL ever needs a
 * server-side fallback, and back/forward work.
 */
export type Route = { name: 'chats' } | { name: 'chat'; chatId: string; seq?: number };

export function parseRoute(hash: string): Route {
  const match = /^#\/chats\/([^/?#]+)(?:\/m\/(\d{1,10}))?$/.exec(hash);
  if (!match) return { name: 'chats' };
  const chatId = decodeURIComponent(match[1]!);
  const seq = match[2] === undefined ? undefined : Number(match[2]);
  // A seq the API could not hold is the chat without it.
  return seq !== undefined && seq >= 1 && seq <= 2147483647 ? { name: 'chat', chatId, seq } : { name: 'chat', chatId };
}

/** A chat, or (with `seq`) a chat opened at that message: a search result. */
export const chatHref = (chatId: string, seq?: number) => `#/chats/${encodeURIComponent(chatId)}${seq === undefined ? '' : `/m/${seq}`}`;

class Router {
  route = $state<Route>(parseRoute(globalThis.location?.hash ?? ''));

  constructor() {
    globalThis.addEventListener?.('hashchange', () => (this.route = parseRoute(location.hash)));
  }

  go(hash: string): void {
    if (location.hash !== hash) location.hash = hash;
  }
}

export const router = new Router();
