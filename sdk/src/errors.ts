import type { GraphQLFormattedError } from 'graphql';

/**
 * What went wrong, as a caller branches on it. The first seven are the codes
 * Parley puts in `extensions.code` (README, "Errors"); the rest are the SDK's
 * names for failures that never reach a resolver.
 */
export type ParleyErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  /** Parley failed unexpectedly (it logs the cause and says no more). */
  | 'INTERNAL_SERVER_ERROR'
  /** The request itself was refused (parse, validation, protocol): an SDK built for another schema. */
  | 'BAD_REQUEST'
  /** No answer: the server could not be reached, the connection dropped, or the request timed out. */
  | 'NETWORK';

const SERVER_CODES: ReadonlySet<string> = new Set<ParleyErrorCode>([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
]);

/** Codes GraphQL servers use for a request they could not run at all. */
const REQUEST_CODES: ReadonlySet<string> = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

export interface ParleyErrorDetails {
  retryAfterMs?: number;
  path?: readonly (string | number)[];
  serverCode?: string;
  closeCode?: number;
  errors?: readonly GraphQLFormattedError[];
  cause?: unknown;
}

/** Every failure the SDK reports: one class, one `code` to branch on. */
export class ParleyError extends Error {
  override readonly name = 'ParleyError';
  readonly code: ParleyErrorCode;
  /** For RATE_LIMITED: how long to wait before trying again. */
  readonly retryAfterMs: number | undefined;
  /** The GraphQL path of the failing field, e.g. `['sendMessage']`. */
  readonly path: readonly (string | number)[] | undefined;
  /** `extensions.code` exactly as the server sent it, when it sent one. */
  readonly serverCode: string | undefined;
  /** The WebSocket close code, when the socket was closed on the subscription. */
  readonly closeCode: number | undefined;
  /** Every GraphQL error of the response (`code` describes the first). */
  readonly errors: readonly GraphQLFormattedError[];

  constructor(code: ParleyErrorCode, message: string, details: ParleyErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.retryAfterMs = details.retryAfterMs;
    this.path = details.path;
    this.serverCode = details.serverCode;
    this.closeCode = details.closeCode;
    this.errors = details.errors ?? [];
  }

  /** Whether trying the same thing again later may succeed (UNAVAILABLE, NETWORK). */
  get retryable(): boolean {
    return this.code === 'UNAVAILABLE' || this.code === 'NETWORK';
  }
}

/**
 * Narrows `error` to a ParleyError, optionally of one code. It also accepts
 * errors from another copy of the SDK (two bundles in one app), where
 * `instanceof` alone would say no.
 */
export function isParleyError(error: unknown, code?: ParleyErrorCode): error is ParleyError {
  const like =
    error instanceof ParleyError ||
    (error instanceof Error && error.name === 'ParleyError' && typeof (error as { code?: unknown }).code === 'string');
  return like && (code === undefined || (error as ParleyError).code === code);
}

/** RATE_LIMITED names the wait only in its message ("… try again in 7 s"). */
function retryAfterOf(error: GraphQLFormattedError): number | undefined {
  const explicit = error.extensions?.['retryAfterMs'];
  if (typeof explicit === 'number' && Number.isFinite(explicit)) return explicit;
  const match = /try again in (\d+(?:\.\d+)?)\s*s\b/i.exec(error.message);
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

function codeFor(serverCode: unknown): ParleyErrorCode {
  if (typeof serverCode === 'string') {
    if (SERVER_CODES.has(serverCode)) return serverCode as ParleyErrorCode;
    if (REQUEST_CODES.has(serverCode)) return 'BAD_REQUEST';
  }
  return 'INTERNAL_SERVER_ERROR';
}

export function fromGraphQLErrors(errors: readonly GraphQLFormattedError[]): ParleyError {
  const first = errors[0];
  if (!first) return new ParleyError('INTERNAL_SERVER_ERROR', 'The server answered with an empty error list');
  const serverCode = first.extensions?.['code'];
  const code = codeFor(serverCode);
  return new ParleyError(code, first.message, {
    retryAfterMs: code === 'RATE_LIMITED' ? retryAfterOf(first) : undefined,
    path: first.path,
    serverCode: typeof serverCode === 'string' ? serverCode : undefined,
    errors,
  });
}

/** An HTTP answer without a GraphQL body: usually a proxy or load balancer speaking. */
export function fromHttpStatus(status: number, retryAfterHeader: string | null): ParleyError {
  const message = `HTTP ${status} without a GraphQL response`;
  if (status === 502 || status === 503 || status === 504) return new ParleyError('UNAVAILABLE', message);
  if (status === 429) {
    const seconds = retryAfterHeader === null ? NaN : Number(retryAfterHeader);
    return new ParleyError('RATE_LIMITED', message, { retryAfterMs: Number.isFinite(seconds) ? seconds * 1000 : undefined });
  }
  if (status === 401) return new ParleyError('UNAUTHENTICATED', message);
  if (status === 403) return new ParleyError('FORBIDDEN', message);
  if (status >= 500) return new ParleyError('INTERNAL_SERVER_ERROR', message);
  return new ParleyError('BAD_REQUEST', message);
}

/** fetch says only "fetch failed"; the system error under it (ECONNREFUSED…) is what helps. */
function describe(cause: unknown): string {
  if (!(cause instanceof Error) || !cause.message) return '';
  const inner = cause.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = typeof inner?.code === 'string' ? inner.code : typeof inner?.message === 'string' ? inner.message : '';
  return `: ${cause.message}${detail ? ` (${detail})` : ''}`;
}

export const networkError = (cause: unknown, message = 'Parley could not be reached'): ParleyError =>
  new ParleyError('NETWORK', `${message}${describe(cause)}`, { cause });

interface CloseLike {
  code: number;
  reason: string;
}

const isCloseLike = (value: unknown): value is CloseLike =>
  typeof value === 'object' && value !== null && typeof (value as CloseLike).code === 'number' && 'reason' in value;

/**
 * A socket close as a ParleyError. Parley closes with 4401 for a missing or
 * bad token; graphql-ws uses 44xx for protocol mistakes, which a retry would
 * only repeat. The server going away (1001, 1012, 1013) is UNAVAILABLE; a
 * connection that just died (1006, our own 4499 after a missed pong) is NETWORK.
 */
export function fromClose({ code, reason }: CloseLike): ParleyError {
  const details = { closeCode: code };
  const text = `WebSocket closed (${code}${reason ? ` ${reason}` : ''})`;
  if (code === 4401) return new ParleyError('UNAUTHENTICATED', text, details);
  if (code === 4403) return new ParleyError('FORBIDDEN', text, details);
  if ([4400, 4406, 4409, 4429, 1002, 1003, 1007, 1009].includes(code)) return new ParleyError('BAD_REQUEST', text, details);
  if (code === 1011 || code === 4500) return new ParleyError('INTERNAL_SERVER_ERROR', text, details);
  if ([1001, 1012, 1013, 1014].includes(code)) return new ParleyError('UNAVAILABLE', text, details);
  return new ParleyError('NETWORK', text, details);
}

const isGraphQLErrorList = (value: unknown): value is GraphQLFormattedError[] =>
  Array.isArray(value) && value.every((e) => typeof e === 'object' && e !== null && typeof e.message === 'string');

/** Whatever a transport threw, as a ParleyError. */
export function toParleyError(error: unknown): ParleyError {
  if (isParleyError(error)) return error;
  if (isGraphQLErrorList(error)) return fromGraphQLErrors(error);
  if (isCloseLike(error)) return fromClose(error);
  // A WebSocket `error` event (connection refused, DNS failure) carries no close code.
  const inner = typeof error === 'object' && error !== null && 'error' in error ? (error as { error: unknown }).error : error;
  return networkError(inner);
}
