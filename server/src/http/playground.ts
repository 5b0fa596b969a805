import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

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
export const PLAYGROUND_CSP = [
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

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** One file name, no directories: letters, digits, `.`, `_`, `-`, not starting with a dot. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
/** Vite names bundled files `<name>-<8-character hash>.<ext>`: their content never changes. */
const HASHED = /-[A-Za-z0-9_-]{8}\.[a-z0-9]+$/;

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
  const assetsDir = join(distDir, 'assets');

  const isPage = (req: IncomingMessage, url: URL): boolean =>
    url.pathname === PAGE_PATH &&
    /\btext\/html\b/i.test(req.headers.accept ?? '') &&
    // A GET carrying an operation is GraphQL, whoever sends it.
    !url.searchParams.has('query') &&
    !url.searchParams.has('extensions');

  const servePage = async (req: IncomingMessage, res: ServerResponse) => {
    let html: Buffer;
    try {
      // Read each time: it is small, and a rebuild (new asset hashes) takes effect without a restart.
      html = await readFile(join(distDir, 'index.html'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', vary: 'Accept' });
      res.end(req.method === 'HEAD' ? undefined : NOT_BUILT);
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': html.length,
      // Revalidate every time: the page names the current build's assets.
      'cache-control': 'no-cache',
      // The same URL answers GraphQL to clients that do not ask for HTML.
      vary: 'Accept',
      'content-security-policy': PLAYGROUND_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    res.end(req.method === 'HEAD' ? undefined : html);
  };

  const notFound = (res: ServerResponse) => {
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error: 'Not found' }));
  };

  const serveAsset = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    let name: string;
    try {
      name = decodeURIComponent(url.pathname.slice(ASSETS_PATH.length));
    } catch {
      return notFound(res);
    }
    // No separators, no dot-files, no `..`: the name can only be a file directly in dist/assets.
    const type = CONTENT_TYPES[extname(name)];
    if (!ASSET_NAME.test(name) || !type) return notFound(res);
    const file = join(assetsDir, name);
    const found = await fileSize(file);
    if (found === undefined) return notFound(res);

    const gzipped = acceptsGzip(req) ? await fileSize(`${file}.gz`) : undefined;
    res.writeHead(200, {
      'content-type': type,
      'content-length': gzipped ?? found,
      ...(gzipped !== undefined ? { 'content-encoding': 'gzip' } : {}),
      'cache-control': HASHED.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache',
      vary: 'Accept-Encoding',
      'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'same-origin',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    try {
      await pipeline(createReadStream(gzipped !== undefined ? `${file}.gz` : file), res);
    } catch (error) {
      // The browser went away mid-download: nothing to answer, nothing to log.
      if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
    }
  };

  return {
    handles(req, url) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      return url.pathname.startsWith(ASSETS_PATH) || isPage(req, url);
    },
    serve(req, res, url) {
      return url.pathname.startsWith(ASSETS_PATH) ? serveAsset(req, res, url) : servePage(req, res);
    },
  };
}

/** The size of a regular file, or undefined when there is none. */
async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

/** Whether Accept-Encoding lists gzip (or `*`) without `q=0`. */
function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding.trim() !== 'gzip' && coding.trim() !== '*') return false;
    return !params.some((param) => /^\s*q\s*=\s*0(?:\.0*)?\s*$/.test(param));
  });
}
