import { CombinedError, type Client } from '@urql/core';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';

/** What a fake server answers for one operation (by name): data, or a Parley error code and message (and `extensions.retryAfterMs`). */
export type Answer = { data: unknown } | { code: string; message: string; retryAfterMs?: number };

/**
 * Just enough of an urql Client for components that call
 * `client.mutation(...).toPromise()` / `client.query(...)`, answering by operation name.
 */
export function fakeClient(answers: Record<string, Answer | ((variables: Record<string, unknown>) => Answer)>) {
  const calls: { operation: string; variables: Record<string, unknown> }[] = [];
  const run = (document: DocumentNode, variables: Record<string, unknown>) => {
    const operation = (document.definitions[0] as OperationDefinitionNode).name!.value;
    calls.push({ operation, variables });
    const entry = answers[operation];
    const answer = typeof entry === 'function' ? entry(variables) : entry;
    const result = !answer
      ? { error: new CombinedError({ networkError: new Error(`no answer for ${operation}`) }) }
      : 'data' in answer
        ? { data: answer.data }
        : {
            error: new CombinedError({
              graphQLErrors: [{ message: answer.message, extensions: { code: answer.code, ...(answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs }) } }],
            }),
          };
    return { toPromise: async () => result };
  };
  const client = { mutation: run, query: run } as unknown as Client;
  return { client, calls };
}
