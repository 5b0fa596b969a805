import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { specifiedRules, type GraphQLSchema } from 'graphql';
import { WebSocketServer } from 'ws';
import { LIMITS } from '../domain/limits.js';
import type { TokenService } from '../domain/tokens.js';
import { createContext, type Context, type Services } from '../graphql/context.js';
import { depthLimit } from '../graphql/depth-limit.js';
import { DocumentCache } from '../graphql/document-cache.js';
import { createErrorFormatter } from '../graphql/format-error.js';
import { subscribeShared } from '../graphql/shared-subscription-execution.js';
import type { Logger } from '../support/logger.js';
import { serveGraphqlWs, type Extra as SocketExtra } from './graphql-ws-transport.js';
import { clientAddress } from './client-address.js';
import { createPlayground } from './playground.js';
import { BodyError, readBody } from './read-body.js';
import { createWebClient } from './web-client.js';
import { welcomePage } from './welcome-page.js';

export const GRAPHQL_PATH = '/graphql';
const MAX_BODY = 1024 * 1024;

export interface HttpDeps {
  schema: GraphQLSchema;
  services: Services;
  tokens: TokenService;
  logger: Logger;
  /** Each engine's state for /readyz. */
  readiness: () => Promise<Record<string, 'up' | 'down'>>;
}

export interface RunningHttpServer {
  port: number;
  url: string;
  /** Stops accepting, finishes in-flight requests, closes every socket. */
  close(): Promise<void>;
}

/** Closes a socket whose connection_init carried no valid token. */
const UNAUTHORIZED = 4401;

export async function startHttpServer(deps: HttpDeps, port: number): Promise<RunningHttpServer> {
  const { schema, services, tokens, logger } = deps;
  const validationRules = [depthLimit(LIMITS.queryDepthMax)];
  const formatError = createErrorFormatter(logger);
  const documents = new DocumentCache(schema, [...specifiedRules, ...validationRules]);

  const httpServer = createServer();
  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH });
  type Extra = SocketExtra & { viewerId?: string };
  const wsCleanup = serveGraphqlWs<Record<string, unknown>, Extra>(
    {
      schema,
      onSubscribe: (_ctx, _id, payload) => {
        const checked = documents.check(payload.query);
        if (!('document' in checked)) return [...checked];
        if (checked.errors.length > 0) return [...checked.errors];
        return { schema, document: checked.document, operationName: payload.operationName, variableValues: payload.variables };
      },
      subscribe: subscribeShared,
      onConnect: async (ctx) => {
        const viewerId = await tokens.fromAuthorization(ctx.connectionParams?.authorization);
        if (!viewerId) {
          ctx.extra.socket.close(UNAUTHORIZED, 'Unauthorized');
          return false;
        }
        ctx.extra.viewerId = viewerId;
        return true;
      },
      context: (ctx) => createContext(services, ctx.extra.viewerId ?? null, clientAddress(ctx.extra.request)),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : result,
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e)),
    },
    wsServer,
    { logger },
  );

  const apollo = new ApolloServer<Context>({
    schema,
    validationRules,
    formatError,
    includeStacktraceInErrorResponses: false,
    // main.ts owns signals: it drains the event log and the database after HTTP stops.
    stopOnTerminationSignals: false,
    introspection: true,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
    ],
  });
  await apollo.start();

  const graphql = async (req: IncomingMessage, res: ServerResponse) => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const body = req.method === 'POST' ? await readBody(req, MAX_BODY) : undefined;
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method!.toUpperCase(), headers, search: new URL(req.url!, 'http://parley').search, body },
      context: async () => createContext(services, await tokens.fromAuthorization(req.headers.authorization), clientAddress(req)),
    });
    res.statusCode = result.status ?? 200;
    for (const [key, value] of result.headers) res.setHeader(key, value);
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  };

  const json = (res: ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(value));
  };

  const playground = createPlayground();
  const webClient = createWebClient();

  httpServer.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', 'http://parley');
    const path = url.pathname;
    const handle = async () => {
      // GraphiQL for a browser's GET /graphql, and its assets; every other /graphql request is GraphQL.
      if (playground.handles(req, url)) return playground.serve(req, res, url);
      if (path === GRAPHQL_PATH) return graphql(req, res);
      if (path === '/healthz') return json(res, 200, { status: 'ok' });
      if (path === '/readyz') {
        const engines = await deps.readiness();
        const ready = Object.values(engines).every((state) => state === 'up');
        return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', engines });
      }
      // The built web client at / and /assets/; without a build, / stays the welcome page.
      if (webClient.handles(req, url) && (await webClient.serve(req, res, url))) return;
      if (path === '/' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(welcomePage(`http://${req.headers.host ?? 'localhost'}${GRAPHQL_PATH}`));
        return;
      }
      json(res, 404, { error: 'Not found' });
    };
    handle().catch((error: unknown) => {
      if (error instanceof BodyError) {
        return json(res, error.status, { errors: [{ message: error.message, extensions: { code: 'BAD_REQUEST' } }] });
      }
      logger.error('request failed', { path, error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) json(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, () => resolve());
  });
  const actualPort = (httpServer.address() as AddressInfo).port;
  return {
    port: actualPort,
    url: `http://localhost:${actualPort}${GRAPHQL_PATH}`,
    close: async () => {
      await apollo.stop();
      wsServer.close();
    },
  };
}
