import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createStaticBundle } from './static-bundle.js';

/**
 * Parley's web client (client/, Svelte), built by `npm run build` into client/dist:
 *
 *   GET /                 → dist/index.html (hash routing: no other page URL exists)
 *   GET /assets/<file>    → dist/assets/<file>
 *
 * When client/dist is missing the caller keeps its welcome page at /.
 */

const ASSETS_PATH = '/assets/';

/** client/dist beside this server, from server/src/http (tests) or server/dist/http (build, image). */
export const WEB_DIST = fileURLToPath(new URL('../../../client/dist/', import.meta.url));

/**
 * Only this origin, with no inline script or style at all: the client's CSS is
 * one extracted file and it sets no style attributes. `connect-src 'self'`
 * covers the graphql-ws socket on the same host and port; `data:` images
 * are Vite's inlined favicon.
 */
const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface WebClient {
  handles(req: IncomingMessage, url: URL): boolean;
  /** False (nothing written) for the page when the client is not built. */
  serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}

export function createWebClient(distDir: string = WEB_DIST): WebClient {
  const bundle = createStaticBundle({ distDir, assetsPath: ASSETS_PATH, csp: WEB_CSP });
  return {
    handles(req, url) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      return url.pathname === '/' || bundle.isAsset(url);
    },
    async serve(req, res, url) {
      if (!bundle.isAsset(url)) return bundle.servePage(req, res);
      await bundle.serveAsset(req, res, url);
      return true;
    },
  };
}
