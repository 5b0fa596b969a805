import type { ServerResponse } from 'node:http';
import type { ApolloServerPlugin, BaseContext, GraphQLResponse } from '@apollo/server';
import type { Histogram } from 'prom-client';
import { ERROR_CODES } from '../domain/errors.js';
import { operationLabel, UNKNOWN_OPERATION } from './operation-label.js';

/** One GraphQL request over HTTP, from its first byte in until its response is out (or the client is gone). */
export interface HttpExchange {
  /** The object handed to Apollo as `httpGraphQLRequest`: how the plugin finds this exchange. */
  follow(httpGraphQLRequest: object): void;
}

interface Exchange {
  operation: string;
  /** `ok`, or the first error's code; null until Apollo answered. */
  outcome: string | null;
}

/** The first error's code when it is one of the contract's (format-error.ts masks any other), else `ok`. */
function outcomeOf(response: GraphQLResponse): string {
  if (response.body.kind !== 'single') return 'ok';
  const code = response.body.singleResult.errors?.[0]?.extensions?.code;
  if (code === undefined) return 'ok';
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code) ? code : 'INTERNAL_SERVER_ERROR';
}

/** Apollo never reached an operation (a body too large, no query, a method it refuses): the status says which. */
const outcomeOfStatus = (status: number): string => (status < 400 ? 'ok' : status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');

/**
 * `parley_http_request_duration_seconds{operation, outcome}` for GraphQL over
 * HTTP. Timing starts in graphql-http.ts before the body is read and ends when
 * the response is finished, so a slow token check or a slow write counts; the
 * operation and outcome come from an Apollo plugin, which sees the operation
 * once Apollo has chosen it and the errors as they are sent.
 */
export class GraphqlHttpMetrics {
  private readonly exchanges = new WeakMap<object, Exchange>();

  constructor(private readonly duration: Histogram<'operation' | 'outcome'>) {}

  begin(res: ServerResponse): HttpExchange {
    const started = performance.now();
    const exchange: Exchange = { operation: UNKNOWN_OPERATION, outcome: null };
    res.once('close', () => {
      const outcome = !res.writableFinished ? 'CLIENT_CLOSED' : (exchange.outcome ?? outcomeOfStatus(res.statusCode));
      this.duration.labels(exchange.operation, outcome).observe((performance.now() - started) / 1000);
    });
    return { follow: (request) => void this.exchanges.set(request, exchange) };
  }

  /** Put first among Apollo's plugins: it only reads, and sees operations another plugin then refuses. */
  plugin(): ApolloServerPlugin<BaseContext> {
    const exchanges = this.exchanges;
    return {
      async requestDidStart({ request }) {
        const exchange = request.http && exchanges.get(request.http);
        if (!exchange) return;
        return {
          async didResolveOperation({ schema, document, operation }) {
            if (operation) exchange.operation = operationLabel(schema, document, operation);
          },
          async willSendResponse({ response }) {
            exchange.outcome = outcomeOf(response);
          },
        };
      },
    };
  }
}
