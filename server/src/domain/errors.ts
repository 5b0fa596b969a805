/** The stable error codes a client can branch on (`extensions.code`). */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE';

/**
 * An expected failure with a message safe to show a client. It carries
 * `extensions` so graphql-js copies the code onto the GraphQL error by itself,
 * over HTTP and over graphql-ws alike.
 */
export class DomainError extends Error {
  readonly extensions: { code: ErrorCode; retryAfterMs?: number };

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.name = 'DomainError';
    this.extensions = options?.retryAfterMs === undefined ? { code } : { code, retryAfterMs: options.retryAfterMs };
  }

  get code(): ErrorCode {
    return this.extensions.code;
  }
}

export const badInput = (message: string) => new DomainError('BAD_USER_INPUT', message);
export const unauthenticated = (message = 'You must be logged in') => new DomainError('UNAUTHENTICATED', message);
export const forbidden = (message: string) => new DomainError('FORBIDDEN', message);
export const notFound = (message: string) => new DomainError('NOT_FOUND', message);
export const conflict = (message: string) => new DomainError('CONFLICT', message);
export const unavailable = (message: string) => new DomainError('UNAVAILABLE', message);
