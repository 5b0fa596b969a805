/**
 * Every `extensions.code` Parley answers with, and what it means. This list
 * is the contract: schema.ts publishes it as the schema's `ErrorCode` enum,
 * codegen carries that into the SDK, and the server's types derive from it.
 */
export const ERROR_CODES = {
  BAD_USER_INPUT:
    'The input breaks a limit or is malformed: a length, a page size, an id or cursor, a date, a variable of the wrong type, or a query too deep, too costly or with too many aliases or root fields. Fix the request; retrying it unchanged fails again.',
  UNAUTHENTICATED: 'No valid token where one is needed, or a wrong username or password. Over graphql-ws: close code 4401.',
  FORBIDDEN: 'The chat exists but the viewer is not a member (or has left it); or the bot is someone else’s, or a bot asked for what only people may do (own bots).',
  NOT_FOUND: 'A chat, user or bot id that does not exist.',
  CONFLICT: 'The request contradicts what is stored: the username is taken (usernames are case-insensitive), or the message to edit was deleted.',
  RATE_LIMITED: 'Too many attempts in the window; `extensions.retryAfterMs` says how many milliseconds to wait.',
  UNAVAILABLE:
    'An engine needed right now is down, or Parley is shutting down. Retry with backoff; for a send, with the same clientId.',
  INTERNAL_SERVER_ERROR: 'Parley failed unexpectedly; it logged the cause and says no more.',
  GRAPHQL_PARSE_FAILED: 'The request is not a GraphQL document, or has more tokens than Parley parses.',
  GRAPHQL_VALIDATION_FAILED: 'The document does not fit the schema (an unknown field, a missing argument, a literal of the wrong type).',
  OPERATION_RESOLUTION_FAILURE: 'The operation to run cannot be chosen: `operationName` names none, or is missing where the document holds several.',
  BAD_REQUEST:
    'The HTTP request itself is refused: no query, a body that is not JSON or too large, a mutation over GET, or a subscription over HTTP (subscriptions run over graphql-ws).',
  PERSISTED_QUERY_NOT_FOUND: 'Automatic persisted queries: the hash is unknown; send the query text with it.',
  PERSISTED_QUERY_NOT_SUPPORTED: 'Automatic persisted queries are not available for this request.',
} as const satisfies Record<string, string>;

/** The stable error codes a client can branch on (`extensions.code`). */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes a resolver or domain service raises; the rest belong to the request pipeline. */
export type DomainErrorCode = Extract<
  ErrorCode,
  'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'RATE_LIMITED' | 'UNAVAILABLE'
>;

/**
 * An expected failure with a message safe to show a client. It carries
 * `extensions` so graphql-js copies the code onto the GraphQL error by itself,
 * over HTTP and over graphql-ws alike.
 */
export class DomainError extends Error {
  readonly extensions: { code: DomainErrorCode; retryAfterMs?: number };

  constructor(code: DomainErrorCode, message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.name = 'DomainError';
    this.extensions = options?.retryAfterMs === undefined ? { code } : { code, retryAfterMs: options.retryAfterMs };
  }

  get code(): DomainErrorCode {
    return this.extensions.code;
  }
}

export const badInput = (message: string) => new DomainError('BAD_USER_INPUT', message);
export const unauthenticated = (message = 'You must be logged in') => new DomainError('UNAUTHENTICATED', message);
export const forbidden = (message: string) => new DomainError('FORBIDDEN', message);
export const notFound = (message: string) => new DomainError('NOT_FOUND', message);
export const conflict = (message: string) => new DomainError('CONFLICT', message);
export const unavailable = (message: string) => new DomainError('UNAVAILABLE', message);
