import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { DomainError, ERROR_CODES, type ErrorCode } from '../domain/errors.js';
import type { Logger } from '../observability/log.js';

const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);

/** A request-level error with a code of the contract, made where the failure is known (request-pipeline.ts). */
export function requestError(
  code: ErrorCode,
  message: string,
  options: { nodes?: GraphQLError['nodes']; originalError?: Error; source?: GraphQLError['source']; positions?: readonly number[] } = {},
): GraphQLError {
  return new GraphQLError(message, { ...options, extensions: { code } });
}

/**
 * The one error policy of HTTP and graphql-ws: domain errors pass with their
 * code (and `retryAfterMs`), request errors with the code their stage gave
 * them (parse, validation, operation, variables: see request-pipeline.ts, and
 * Apollo's own for HTTP); anything else is logged and masked, so no stack
 * trace or internal message leaks, and no code outside the schema's
 * `ErrorCode` enum ever reaches a client.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    let original = error;
    while (original instanceof GraphQLError && original.originalError) original = original.originalError;
    const { message, locations, path } = formatted;
    if (original instanceof DomainError) {
      // An engine outage behind an expected error still deserves a log line for operators.
      if (original.code === 'UNAVAILABLE' && original.cause) logger.warn({ path, err: original.cause }, original.message);
      return { message: original.message, locations, path, extensions: { ...original.extensions } };
    }
    const code = formatted.extensions?.code;
    if (isErrorCode(code) && code !== 'INTERNAL_SERVER_ERROR') {
      return { message, locations, path, extensions: { code } };
    }
    logger.error({ path, code, err: original }, 'unexpected error in a GraphQL operation');
    return { message: 'Internal server error', locations, path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
