import type { IncomingMessage, ServerResponse } from 'node:http';

/*
 * CORS_ORIGINS: the browser origins, other than Parley's own, that may call
 * /graphql. None by default, and then this module does nothing at all.
 *
 * Parley's token travels in the Authorization header, never in a cookie, so a
 * listed origin's page can only send a token it already holds: the browser
 * attaches nothing on its own. Hence no `Access-Control-Allow-Credentials`,
 * ever, and no `*`: it would add no credential risk, but it would let any
 * site have its visitors' browsers run signups and logins against Parley from
 * their own addresses (spreading them under the per-address limits), or reach
 * a Parley that only the visitor's network can. An unlisted origin's preflight
 * is answered without CORS headers, so the browser sends neither the JSON body
 * nor the Authorization header, and never lets the page read an answer.
 */

/**
 * Request headers a cross-origin client may send: the SDK's and urql's
 * `content-type`, `accept` and `authorization`; `x-request-id` to correlate
 * logs; Apollo Client's CSRF header and operation name
 * (`apollo-require-preflight`, `x-apollo-operation-name`) and its client
 * awareness headers.
 */
const ALLOWED_HEADERS = [
  'accept',
  'authorization',
  'content-type',
  'x-request-id',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
].join(', ');

/** Response headers a listed page may read besides the safelisted ones: the SDK reads `retry-after` on 429 and 503. */
const EXPOSED_HEADERS = 'x-request-id, retry-after';

/*
 * Two hours, Chromium's cap (Firefox allows a day). The list changes only
 * with a restart, and each answer is still checked against its own
 * Access-Control-Allow-Origin, so a preflight remembered a little too long
 * lets a page send a request whose answer it then cannot read.
 */
const PREFLIGHT_MAX_AGE_S = 7200;

/**
 * One origin as browsers send it: http or https, a host, a port only where
 * it is not the scheme's default, lower case, no path. Throws a message
 * naming what is wrong (config.ts makes it a ConfigError).
 */
function origin(text: string): string {
  if (text === '*') {
    throw new Error('* is not allowed: list each origin (a page on any site could otherwise have its visitors sign up and log in from their own addresses)');
  }
  // `new URL` alone would accept a path, a query or credentials and drop or keep them quietly.
  if (!/^https?:\/\/[^/?#@\s]+$/i.test(text)) {
    throw new Error(`each origin must be scheme://host[:port] with http or https and no path, got ${JSON.stringify(text)}`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`not a valid origin: ${JSON.stringify(text)}`);
  }
  return url.origin;
}

/** `https://chat.example.com,http://localhost:5173` as origins in the form browsers send them. */
export function parseCorsOrigins(text: string): string[] {
  return [...new Set(text.split(',').map((part) => origin(part.trim())))];
}

export interface CorsPolicy {
  /**
   * For every request to /graphql, before anything answers it: a listed
   * origin gets `Access-Control-Allow-Origin` (and, on a preflight, the
   * methods, headers and max age it may use); with a list set, every answer
   * carries `Vary: Origin`, since it depends on the Origin.
   */
  decorate(req: IncomingMessage, res: ServerResponse): void;
  /** A preflight Parley answers itself (204): with a list set, an OPTIONS carrying Origin and Access-Control-Request-Method. */
  isPreflight(req: IncomingMessage): boolean;
  answerPreflight(res: ServerResponse): void;
  /**
   * Whether a WebSocket upgrade may proceed. Browsers apply no CORS to
   * WebSocket, so with a list set Parley checks the Origin itself: a browser's
   * socket from an origin that is neither listed nor Parley's own (the
   * Origin's host is the request's Host) is refused. Without a list, or
   * without an Origin (not a browser), any.
   */
  allowsSocket(req: IncomingMessage): boolean;
}

export function corsPolicy(allowed: readonly string[]): CorsPolicy {
  const listed = new Set(allowed);
  const enabled = listed.size > 0;
  const isPreflight = (req: IncomingMessage) =>
    enabled && req.method === 'OPTIONS' && req.headers.origin !== undefined && req.headers['access-control-request-method'] !== undefined;

  return {
    decorate(req, res) {
      if (!enabled) return;
      res.setHeader('vary', 'Origin');
      const from = req.headers.origin;
      if (from === undefined || !listed.has(from)) return;
      res.setHeader('access-control-allow-origin', from);
      if (isPreflight(req)) {
        res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
        res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
        res.setHeader('access-control-max-age', String(PREFLIGHT_MAX_AGE_S));
      } else {
        res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
      }
    },
    isPreflight,
    answerPreflight(res) {
      res.writeHead(204, { allow: 'GET, POST, OPTIONS' }).end();
    },
    allowsSocket(req) {
      const from = req.headers.origin;
      if (!enabled || from === undefined || listed.has(from)) return true;
      // Scheme aside: behind a proxy that ends TLS, the page is https and Parley sees http.
      const host = /^https?:\/\/([^/]+)$/i.exec(from)?.[1];
      return host !== undefined && host.toLowerCase() === req.headers.host?.toLowerCase();
    },
  };
}
