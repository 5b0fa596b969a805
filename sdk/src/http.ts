import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { getOperationAST, print, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { fromGraphQLErrors, fromHttpStatus, networkError, ParleyError } from './errors.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpOptions {
  url: string;
  fetch: FetchLike;
  /** Read at every request, so a login in between is picked up. */
  token: () => string | null;
  /** A request that has not answered by then fails as NETWORK (for a send, it may still have landed). */
  timeoutMs: number;
}

export interface Operation {
  query: string;
  operationName: string | undefined;
}

const operations = new WeakMap<DocumentNode, Operation>();

/** The wire form of a generated document, printed once per document. */
export function operationOf(document: DocumentNode): Operation {
  let operation = operations.get(document);
  if (!operation) {
    operation = { query: print(document), operationName: getOperationAST(document)?.name?.value };
    operations.set(document, operation);
  }
  return operation;
}

interface GraphQLBody {
  data?: unknown;
  errors?: GraphQLFormattedError[];
}

/**
 * POSTs one operation and returns its `data`, or throws a ParleyError. Any
 * GraphQL error fails the whole call: the SDK's operations select nothing a
 * caller could use half of.
 */
export async function postOperation<Result, Variables>(
  options: HttpOptions,
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
): Promise<Result> {
  const { query, operationName } = operationOf(document);
  const token = options.token();
  let response: Response;
  let text: string;
  try {
    response = await options.fetch(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, operationName, variables }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    throw networkError(error);
  }

  let body: GraphQLBody | undefined;
  try {
    body = JSON.parse(text) as GraphQLBody;
  } catch {
    body = undefined;
  }
  if (body?.errors?.length) throw fromGraphQLErrors(body.errors);
  if (!response.ok || typeof body?.data !== 'object' || body.data === null) {
    if (response.ok) throw new ParleyError('INTERNAL_SERVER_ERROR', 'The server answered without data');
    throw fromHttpStatus(response.status, response.headers.get('retry-after'));
  }
  return body.data as Result;
}
