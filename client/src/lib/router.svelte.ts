/**
 * Hash routing (#/ and #/chats/<id>): the server serves one page at `/`, so
 * no URL ever needs a server-side fallback, and back/forward work.
 */
export type Route = { name: 'chats' } | { name: 'chat'; chatId: string };

export function parseRoute(hash: string): Route {
  const match = /^#\/chats\/([^/?#]+)$/.exec(hash);
  return match ? { name: 'chat', chatId: decodeURIComponent(match[1]) } : { name: 'chats' };
}

export const chatHref = (chatId: string) => `#/chats/${encodeURIComponent(chatId)}`;

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
