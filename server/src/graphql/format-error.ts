import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { DomainError } from '../domain/errors.js';
import { errorFields, type Logger } from '../support/logger.js';

/**
 * One error policy for HTTP and graphql-ws: domain errors and GraphQL's own
 * request errors (parse, validation, variables) pass with their code; anything
 * else is logged and masked, so no stack trace or internal message leaks.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    let original = error;
    while (original instanceof GraphQLError && original.originalError) original = original.originalError;
    const { message, locations, path } = formatted;
    if (original instanceof DomainError) {
      // An engine outage behind an expected error still deserves a log line for operators.
      if (original.code === 'UNAVAILABLE' && original.cause) logger.warn(original.message, { path, ...errorFields(original.cause) });
      return { message: original.message, locations, path, extensions: { ...original.extensions } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
      return { message, locations, path, extensions: { code } };
    }
    if (original instanceof GraphQLError) {
      return { message, locations, path, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } };
    }
    logger.error('unexpected error in a GraphQL operation', { path, ...errorFields(original) });
    return { message: 'Internal server error', locations, path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
