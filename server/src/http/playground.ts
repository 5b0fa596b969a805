import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createStaticBundle } from './static-bundle.js';

/**
 * The GraphQL playground: GraphiQL, bundled from npm by `npm run build` into
 * playground/dist and served from this process, so it works offline and loads
 * nothing from any other origin.
 *
 *   GET /graphql from a browser (Accept: text/html, no `query`)  → dist/index.html
 *   GET /graphql/assets/<file>                                   → dist/assets/<file>
 *
 * Everything else on /graphql (POST, WebSocket upgrades, GET with a query, GET
 * without text/html) stays GraphQL.
 */

/** The page's path; the bundle's base (playground/vite.config.ts `base`) is this plus `/`. */
const PAGE_PATH = '/graphql';
const ASSETS_PATH = `${PAGE_PATH}/assets/`;

/** playground/dist beside this server, from server/src/http (tests) or server/dist/http (build, image). */
export const PLAYGROUND_DIST = fileURLToPath(new URL('../../../playground/dist/', import.meta.url));

/**
 * Only this origin. Monaco injects <style> elements and React sets style
 * attributes, hence 'unsafe-inline' for styles (never scripts); GraphiQL's fonts
 * and icons are data: URLs inside its CSS. `connect-src 'self'` covers
 * ws(s): on the same host and port.
 */
const PLAYGROUND_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT = `The GraphQL playground is not built: playground/dist is missing.
Run \`npm run build\` (or \`npm run build --workspace playground\`) and reload.
The API itself works: POST /graphql, and graphql-ws on the same path.
`;

export interface Playground {
  /** Whether the request is the playground's: the page or one of its assets. Cheap; POSTs return at once. */
  handles(req: IncomingMessage, url: URL): boolean;
  serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
}

export function createPlayground(distDir: string = PLAYGROUND_DIST): Playground {
  const bundle = createStaticBundle({
    distDir,
    assetsPath: ASSETS_PATH,
    csp: PLAYGROUND_CSP,
    // The same URL answers GraphQL to clients that do not ask for HTML.
    pageHeaders: { vary: 'Accept' },
  });

  const isPage = (req: IncomingMessage, url: URL): boolean =>
    url.pathname === PAGE_PATH &&
    /\btext\/html\b/i.test(req.headers.accept ?? '') &&
    // A GET carrying an operation is GraphQL, whoever sends it.
    !url.searchParams.has('query') &&
    !url.searchParams.has('extensions');

  return {
    handles(req, url) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      return bundle.isAsset(url) || isPage(req, url);
    },
    async serve(req, res, url) {
      if (bundle.isAsset(url)) return bundle.serveAsset(req, res, url);
      if (await bundle.servePage(req, res)) return;
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', vary: 'Accept' });
      res.end(req.method === 'HEAD' ? undefined : NOT_BUILT);
    },
  };
}
