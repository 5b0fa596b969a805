import type { GraphQLFormattedError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { ErrorCode } from './generated/enums.js';

/**
 * Server codes that mean the request could not run at all (parse,
 * validation, protocol): an SDK built for another schema. The SDK reports
 * each as BAD_REQUEST. Typed by the schema's enum, so a code renamed there
 * breaks this list at compile time.
 */
const REQUEST_CODES = [
  ErrorCode.GRAPHQL_PARSE_FAILED,
  ErrorCode.GRAPHQL_VALIDATION_FAILED,
  ErrorCode.OPERATION_RESOLUTION_FAILURE,
  ErrorCode.BAD_REQUEST,
  ErrorCode.PERSISTED_QUERY_NOT_FOUND,
  ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
] as const satisfies readonly ErrorCode[];

type RequestCode = (typeof REQUEST_CODES)[number];

/**
 * What went wrong, as a caller branches on it: every code of the schema's
 * `ErrorCode` enum (generated into `generated/enums.ts`; see its comments)
 * except the request-level ones, which the SDK folds into BAD_REQUEST, plus
 * the SDK's own name for a failure that never reached the server.
 */
export type ParleyErrorCode =
  | Exclude<ErrorCode, RequestCode>
  /** The request itself was refused (parse, validation, protocol): an SDK built for another schema. */
  | 'BAD_REQUEST'
  /** No answer: the server could not be reached, the connection dropped, or the request timed out. */
  | 'NETWORK';

const REQUEST: ReadonlySet<string> = new Set<string>(REQUEST_CODES);

/** The server's codes a ParleyError carries as they are. */
const SERVER_CODES: ReadonlySet<string> = new Set<string>(Object.values(ErrorCode).filter((code) => !REQUEST.has(code)));

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

/** RATE_LIMITED says how long to wait in `extensions.retryAfterMs`. */
function retryAfterOf(error: GraphQLFormattedError): number | undefined {
  const value = error.extensions?.['retryAfterMs'];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function codeFor(serverCode: unknown): ParleyErrorCode {
  if (typeof serverCode === 'string') {
    if (SERVER_CODES.has(serverCode)) return serverCode as ParleyErrorCode;
    if (REQUEST.has(serverCode)) return 'BAD_REQUEST';
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

/** Protocol mistakes and a frame over the server's size limit (1009): a retry would only repeat them. */
const BAD_REQUEST_CLOSES: readonly number[] = [
  CloseCode.BadRequest,
  CloseCode.SubprotocolNotAcceptable,
  CloseCode.SubscriberAlreadyExists,
  CloseCode.TooManyInitialisationRequests,
  1002,
  1003,
  1007,
  1009,
];

/**
 * The server going away or asking to come back later: 1001 (shutdown), 1012
 * (restart), 1013 (Try Again Later: Parley's answer when a user has too many
 * sockets open, until one closes), 1014.
 */
const UNAVAILABLE_CLOSES: readonly number[] = [1001, 1012, 1013, 1014];

/**
 * A socket close as a ParleyError. Parley closes with 4401 for a missing, bad
 * or expired token. A connection that just died (1006, our own 4499 after a
 * missed pong) is NETWORK.
 */
export function fromClose({ code, reason }: CloseLike): ParleyError {
  const details = { closeCode: code };
  const text = `WebSocket closed (${code}${reason ? ` ${reason}` : ''})`;
  if (code === CloseCode.Unauthorized) return new ParleyError('UNAUTHENTICATED', text, details);
  if (code === CloseCode.Forbidden) return new ParleyError('FORBIDDEN', text, details);
  if (BAD_REQUEST_CLOSES.includes(code)) return new ParleyError('BAD_REQUEST', text, details);
  if (code === 1011 || code === CloseCode.InternalServerError) return new ParleyError('INTERNAL_SERVER_ERROR', text, details);
  if (UNAVAILABLE_CLOSES.includes(code)) return new ParleyError('UNAVAILABLE', text, details);
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
