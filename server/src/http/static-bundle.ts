import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * A Vite bundle (dist/index.html plus dist/assets/*) served from this process:
 * the playground at /graphql and the web client at / both go through here, so
 * path checks, cache headers and CSP are decided once.
 */

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

export interface StaticBundleOptions {
  distDir: string;
  /** URL prefix of dist/assets, ending in `/` (the bundle's Vite `base` plus `assets/`). */
  assetsPath: string;
  /** Content-Security-Policy of the page. */
  csp: string;
  /** Extra headers on the page, e.g. `vary` when the same URL also answers something else. */
  pageHeaders?: Record<string, string>;
}

export interface StaticBundle {
  isAsset(url: URL): boolean;
  /** Serves dist/index.html; false (nothing written) when it is missing, so the caller picks a fallback. */
  servePage(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Serves one file of dist/assets, or a 404. */
  serveAsset(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
}

export function createStaticBundle(options: StaticBundleOptions): StaticBundle {
  const { distDir, assetsPath, csp, pageHeaders = {} } = options;
  const assetsDir = join(distDir, 'assets');

  const notFound = (res: ServerResponse) => {
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error: 'Not found' }));
  };

  return {
    isAsset: (url) => url.pathname.startsWith(assetsPath),

    async servePage(req, res) {
      let html: Buffer;
      try {
        // Read each time: it is small, and a rebuild (new asset hashes) takes effect without a restart.
        html = await readFile(join(distDir, 'index.html'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        return false;
      }
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': html.length,
        // Revalidate every time: the page names the current build's assets.
        'cache-control': 'no-cache',
        'content-security-policy': csp,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        ...pageHeaders,
      });
      res.end(req.method === 'HEAD' ? undefined : html);
      return true;
    },

    async serveAsset(req, res, url) {
      let name: string;
      try {
        name = decodeURIComponent(url.pathname.slice(assetsPath.length));
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
