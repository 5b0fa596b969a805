import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { inLogScope, type Logger, type ScopeFields } from '../observability/log.js';
import { requestIdOf } from './request-id.js';

/** Probes arrive every few seconds from every orchestrator: their lines are debug, not noise at info. */
const PROBES = new Set(['/healthz', '/readyz']);

const MAX_PATH = 200;

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
  const rawPath = (req.url ?? '').split('?', 1)[0]!;
  const path = rawPath.length > MAX_PATH ? `${rawPath.slice(0, MAX_PATH)}…` : rawPath;
  res.once('close', () => {
    const fields = {
      ...scope,
      method: req.method,
      path,
      status: res.statusCode,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      ip: ip(),
      ...(res.writableFinished ? {} : { aborted: true }),
    };
    if (PROBES.has(path)) logger.debug(fields, 'request');
    else logger.info(fields, 'request');
  });
  inLogScope(scope, handle);
}
