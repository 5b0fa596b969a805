import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { inLogScope, type Logger, type ScopeFields } from '../observability/log.js';
import { requestIdOf } from './request-id.js';

/** Probes arrive every few seconds from every orchestrator: their lines are debug, not noise at info. */
const PROBES = new Set(['/healthz', '/readyz']);

const MAX_PATH = 200;

/**
 * The path alone: no query string (a GET's holds a GraphQL document and its
 * variables), no fragment, and, for a request target in absolute form
 * (`GET http://user:password@host/x`), neither the host nor credentials.
 */
function pathOf(target: string | undefined): string {
  let path: string;
  try {
    path = new URL(target ?? '', 'http://parley.invalid').pathname;
  } catch {
    return '(not a path)';
  }
  return path.length > MAX_PATH ? `${path.slice(0, MAX_PATH)}…` : path;
}

/**
 * One line per HTTP request once its response is done (or the client went
 * away): method, path (never the query string, which may hold a GraphQL
 * document and its variables), status, duration, and what the request turned
 * out to be (operation, user), recorded in its scope while it ran. The
 * request id is taken from `x-request-id` or made, echoed in the response
 * and on every line logged while the request is handled.
 */
export function withAccessLog(
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  ip: () => string,
  handle: () => void,
): void {
  const started = performance.now();
  const scope: ScopeFields = { reqId: requestIdOf(req.headers['x-request-id']) };
  res.setHeader('x-request-id', scope.reqId);
  const path = pathOf(req.url);
  // Read now: once a client has gone its socket no longer says where it was.
  const address = ip();
  res.once('close', () => {
    const fields = {
      ...scope,
      method: req.method,
      path,
      // Node's default 200 until a response starts: a request abandoned before that got no status.
      ...(res.headersSent ? { status: res.statusCode } : {}),
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      ip: address,
      ...(res.writableFinished ? {} : { aborted: true }),
    };
    if (PROBES.has(path)) logger.debug(fields, 'request');
    else logger.info(fields, 'request');
  });
  inLogScope(scope, handle);
}
