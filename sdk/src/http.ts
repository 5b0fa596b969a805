import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Client, fetchExchange, type AnyVariables, type CombinedError } from '@urql/core';
import type { GraphQLFormattedError } from 'graphql';
import { operationOf } from './documents.js';
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

const urlOf = (input: RequestInfo | URL): string =>
  typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;

/**
 * Queries and mutations over HTTP, on an @urql/core Client with the
 * fetchExchange alone: no document cache (every call is a request, as a
 * caller of `chats()` after a reconnect expects) and no retries of its own
 * (sendMessage retries with its clientId in client.ts). Subscriptions do not
 * go through it: they resume on the socket (subscriptions.ts).
 */
export class HttpTransport {
  private readonly client: Client;

  constructor(options: HttpOptions) {
    const { fetch: fetchImpl, timeoutMs } = options;
    this.client = new Client({
      url: options.url,
      exchanges: [fetchExchange],
      requestPolicy: 'network-only',
      // Always POST (urql sends short queries as GET by default): tokens and variables stay out of URLs and logs.
      preferGetMethod: false,
      // A function, so each request carries the token of that moment (signup/login/setToken in between).
      fetchOptions: () => {
        const token = options.token();
        return {
          headers: {
            // A plain GraphQL response, never a multipart or event stream.
            accept: 'application/graphql-response+json, application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        };
      },
      // urql sets the request's signal itself (to abort on teardown), so the timeout joins it here
      // (or replaces it where AbortSignal.any is missing: urql only aborts a request already answered).
      // The signal also covers reading the body: a server that stalls mid-answer times out too.
      fetch: (input, init) => {
        const timeout = AbortSignal.timeout(timeoutMs);
        const signal = init?.signal && typeof AbortSignal.any === 'function' ? AbortSignal.any([init.signal, timeout]) : timeout;
        return fetchImpl(urlOf(input), { ...init, signal });
      },
    });
  }

  /**
   * Runs one query or mutation and returns its `data`, or throws a
   * ParleyError. Any GraphQL error fails the whole call: the SDK's operations
   * select nothing a caller could use half of.
   */
  async execute<Result, Variables extends AnyVariables>(document: TypedDocumentNode<Result, Variables>, variables: Variables): Promise<Result> {
    const { kind } = operationOf(document);
    if (kind !== 'query' && kind !== 'mutation') throw new TypeError(`Not a query or mutation: ${kind ?? 'no operation'}`);
    const source = kind === 'mutation' ? this.client.mutation(document, variables) : this.client.query(document, variables);
    const { data, error } = await source.toPromise();
    if (error) throw fromCombinedError(error);
    if (typeof data !== 'object' || data === null) throw new ParleyError('INTERNAL_SERVER_ERROR', 'The server answered without data');
    return data;
  }
}

/** What a failed fetch threw: the request never got a whole answer (refused, reset, aborted, timed out). */
const isTransportFailure = (error: unknown): boolean =>
  error instanceof TypeError || (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'));

/**
 * urql's CombinedError as a ParleyError. urql reports a GraphQL body's
 * `errors` as `graphQLErrors` whatever the HTTP status; anything else is a
 * `networkError`, with `response` set when an answer came: a non-2xx answer
 * without a GraphQL body (a proxy's 503) is judged by its status, a 2xx one
 * that is no GraphQL result is the server's fault, and no answer is NETWORK.
 */
function fromCombinedError(error: CombinedError): ParleyError {
  if (error.graphQLErrors.length > 0) return fromGraphQLErrors(error.graphQLErrors.map(formatted));
  const cause: unknown = error.networkError ?? error;
  const response = error.response as Response | undefined;
  if (response && typeof response.status === 'number') {
    if (response.status < 200 || response.status >= 300) return fromHttpStatus(response.status, response.headers.get('retry-after'));
    if (!isTransportFailure(cause)) return new ParleyError('INTERNAL_SERVER_ERROR', 'The server answered without data', { cause });
  }
  return networkError(cause);
}

type UrqlGraphQLError = CombinedError['graphQLErrors'][number];

/**
 * An error as the server sent it. urql keeps an error that has `extensions`
 * (all of Parley's) as the parsed JSON object, and wraps any other in a
 * GraphQLError with the JSON as `originalError`.
 */
function formatted(error: UrqlGraphQLError): GraphQLFormattedError {
  if (!(error instanceof Error)) return error as GraphQLFormattedError;
  const original: unknown = error.originalError;
  if (typeof original === 'object' && original !== null && !(original instanceof Error) && typeof (original as { message?: unknown }).message === 'string') {
    return original as GraphQLFormattedError;
  }
  const { message, path, extensions } = error;
  return {
    message,
    ...(path ? { path: [...path] } : {}),
    ...(extensions && Object.keys(extensions).length > 0 ? { extensions: { ...extensions } } : {}),
  };
}
