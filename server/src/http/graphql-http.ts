import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError } from 'graphql';
import type { TokenCheck } from '../domain/authentication.js';
import { DomainError } from '../domain/errors.js';
import type { Context } from '../graphql/context.js';
import type { RequestPipeline } from '../graphql/request-pipeline.js';
import { currentLogScope } from '../observability/log.js';
import { operationLogName } from '../observability/operation-log-name.js';
import type { GraphqlHttpMetrics } from '../observability/graphql-http-metrics.js';
import { readBody } from './read-body.js';

export interface GraphqlHttpDeps {
  pipeline: RequestPipeline;
  tokens: TokenCheck;
  maxRequestBytes: number;
  clientAddress(req: IncomingMessage): string;
  metrics?: GraphqlHttpMetrics;
}

export interface GraphqlHttp {
  /** `url`: the request's target as server.ts resolved it (request-target.ts). */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  stop(): Promise<void>;
}

/** Errors that refuse a well-formed request's operation before it runs (as opposed to a malformed HTTP request). */
const OPERATION_REFUSALS = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE', 'BAD_USER_INPUT']);

/**
 * graphql-over-HTTP: a client that accepts only `application/json` (not
 * `application/graphql-response+json`) is answered 200 with the errors when
 * its operation cannot run (parse, validation, operation choice, variables,
 * limits), since such clients read any other status as a transport failure.
 * Apollo answers 400 for all of them; a malformed HTTP request stays 400.
 */
function statusFor(status: number, contentType: string | undefined, body: string): number {
  if (status !== 400 || !/^application\/json\b/i.test(contentType ?? '')) return status;
  try {
    const parsed = JSON.parse(body) as { data?: unknown; errors?: { extensions?: { code?: unknown } }[] };
    const refused = !('data' in parsed) && Array.isArray(parsed.errors) && parsed.errors.length > 0;
    return refused && parsed.errors!.every((e) => OPERATION_REFUSALS.has(String(e.extensions?.code))) ? 200 : status;
  } catch {
    return status;
  }
}

/** The pipeline's per-operation checks, where Apollo has chosen the operation and before it runs. */
function checkOperationPlugin(pipeline: RequestPipeline): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      // The viewer's slot for this operation (operation-slots.ts), held until the response is sent.
      let release: (() => void) | undefined;
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          // An operation Apollo could not choose is refused by Apollo itself (OPERATION_RESOLUTION_FAILURE).
          if (!operation) return;
          const scope = currentLogScope();
          if (scope) scope.operation = operationLogName(operation);
          const refusal = pipeline.checkOperation({ schema, document, operation, variables: request.variables ?? {}, transport: 'http' });
          if (refusal) {
            // A refusal thrown here would otherwise be answered 500.
            throw new GraphQLError(refusal.message, {
              nodes: refusal.nodes,
              originalError: refusal.originalError ?? undefined,
              extensions: { ...refusal.extensions, http: { status: 400 } },
            });
          }
          const slot = pipeline.operationSlot(contextValue.viewerId);
          if (slot instanceof GraphQLError) {
            throw new GraphQLError(slot.message, {
              originalError: slot.originalError ?? undefined,
              extensions: { ...slot.extensions, http: { status: 429, headers: new HeaderMap([['retry-after', '1']]) } },
            });
          }
          release = slot;
        },
        // Called for every response, whatever failed before it: the slot cannot leak.
        async willSendResponse() {
          release?.();
        },
      };
    },
  };
}

/** Queries and mutations over HTTP: Apollo Server, configured from the shared request pipeline. */
export async function startGraphqlHttp({ pipeline, tokens, maxRequestBytes, clientAddress, metrics }: GraphqlHttpDeps): Promise<GraphqlHttp> {
  const apollo = new ApolloServer<Context>({
    schema: pipeline.schema,
    parseOptions: pipeline.parseOptions,
    validationRules: [...pipeline.validationRules],
    formatError: pipeline.formatError,
    includeStacktraceInErrorResponses: false,
    // server.ts owns shutdown (HttpDrain); main.ts owns signals.
    stopOnTerminationSignals: false,
    introspection: true,
    /*
     * CSRF prevention guards servers that authenticate by cookie: a page on
     * another site can make the browser send a "simple" request (a GET, a
     * form POST) carrying the cookie. Parley reads its token only from the
     * Authorization header, which a cross-site request cannot set without a
     * CORS preflight, granted only to the origins in CORS_ORIGINS (none by
     * default; cors.ts). A listed origin is one the operator trusts, and its
     * page can still only send a token it holds (no cookie, never
     * Access-Control-Allow-Credentials). Any other page's request is always
     * anonymous, and its answer unreadable to it (no CORS headers).
     * Apollo still refuses mutations over GET (405), and a POST that is not
     * JSON is not a GraphQL request here. Switched off, stock clients that
     * send queries as GET (urql's default, Apollo Client's GET link) work.
     */
    csrfPrevention: false,
    /*
     * Automatic persisted queries need a shared cache to help across
     * instances, and no Parley client sends them; left on, a wrong hash came
     * back as INTERNAL_SERVER_ERROR, an error any client could raise at will.
     * Off, such a request is told PERSISTED_QUERY_NOT_SUPPORTED.
     */
    persistedQueries: false,
    plugins: [...(metrics ? [metrics.plugin()] : []), ApolloServerPluginLandingPageDisabled(), checkOperationPlugin(pipeline)],
  });
  await apollo.start();

  /**
   * A bot token is checked against the database (Authentication): when that fails the request
   * gets the engine failure's UNAVAILABLE with 503, as a shutdown does, not Apollo's 500.
   */
  const viewerOf = async (authorization: string | undefined): Promise<string | null> => {
    try {
      return await tokens.fromAuthorization(authorization);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'UNAVAILABLE') throw error;
      throw new GraphQLError(error.message, { originalError: error, extensions: { http: { status: 503 } } });
    }
  };

  return {
    async handle(req, res, url) {
      const exchange = metrics?.begin(res);
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      const body = req.method === 'POST' ? await readBody(req, maxRequestBytes) : undefined;
      const httpGraphQLRequest = { method: req.method!.toUpperCase(), headers, search: url.search, body };
      exchange?.follow(httpGraphQLRequest);
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest,
        context: async () => {
          const viewerId = await viewerOf(req.headers.authorization);
          const scope = currentLogScope();
          if (scope && viewerId) scope.userId = viewerId;
          return pipeline.createContext(viewerId, clientAddress(req));
        },
      });
      for (const [key, value] of result.headers) res.setHeader(key, value);
      if (result.body.kind === 'complete') {
        res.statusCode = statusFor(result.status ?? 200, result.headers.get('content-type'), result.body.string);
        res.end(result.body.string);
        return;
      }
      res.statusCode = result.status ?? 200;
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    },
    stop: () => apollo.stop(),
  };
}
