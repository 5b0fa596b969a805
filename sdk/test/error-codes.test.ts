import { readFileSync } from 'node:fs';
import { buildSchema, type GraphQLEnumType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { fromClose, fromGraphQLErrors } from '../src/errors.js';
import { ErrorCode } from '../src/index.js';

const schemaCodes = (buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8')).getType('ErrorCode') as GraphQLEnumType)
  .getValues()
  .map((value) => value.name);

const REQUEST_LEVEL = ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED'];

describe('error codes come from the schema', () => {
  it('the SDK exports the schema ErrorCode enum as it is', () => {
    expect(Object.values(ErrorCode).sort()).toEqual([...schemaCodes].sort());
  });

  it('every server code becomes a ParleyError code: itself, or BAD_REQUEST for a request that could not run', () => {
    for (const code of schemaCodes) {
      const error = fromGraphQLErrors([{ message: 'm', extensions: { code } }]);
      expect(error.serverCode).toBe(code);
      expect(error.code, code).toBe(REQUEST_LEVEL.includes(code) ? 'BAD_REQUEST' : code);
    }
    expect(fromGraphQLErrors([{ message: 'm', extensions: { code: 'SOMETHING_NEW' } }]).code).toBe('INTERNAL_SERVER_ERROR');
  });

  it('reads retryAfterMs from extensions, never from the message', () => {
    const limited = fromGraphQLErrors([{ message: 'Too many messages; try again in 7 s', extensions: { code: 'RATE_LIMITED', retryAfterMs: 6_400 } }]);
    expect(limited.retryAfterMs).toBe(6_400);
    const wordsOnly = fromGraphQLErrors([{ message: 'Too many messages; try again in 7 s', extensions: { code: 'RATE_LIMITED' } }]);
    expect(wordsOnly.retryAfterMs).toBeUndefined();
  });

  it('reads socket closes with graphql-ws close codes and the server limits', () => {
    expect(fromClose({ code: 4401, reason: 'Token expired' }).code).toBe('UNAUTHENTICATED');
    expect(fromClose({ code: 4400, reason: 'Unexpected message type' }).code).toBe('BAD_REQUEST');
    expect(fromClose({ code: 1009, reason: '' }).code).toBe('BAD_REQUEST');
    const tooMany = fromClose({ code: 1013, reason: 'Too many connections for this user: at most 20' });
    expect([tooMany.code, tooMany.retryable]).toEqual(['UNAVAILABLE', true]);
  });
});
