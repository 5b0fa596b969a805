import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLSchema } from 'graphql';
import { WebSocketServer } from 'ws';
import type { EdgeConfig } from '../config/config.js';
import { SOCKET_CLOSE_TIMEOUT_MS } from '../config/tuning.js';
import type { TokenCheck } from '../domain/authentication.js';
import type { BotSessions } from '../domain/bot-sessions.js';
import type { Services } from '../graphql/context.js';
import { createRequestPipeline } from '../graphql/request-pipeline.js';
import type { Logger } from '../observability/log.js';
import { withAccessLog } from './access-log.js';
import { requestIdOf } from './request-id.js';
import { clientAddress } from './client-address.js';
import { corsPolicy } from './cors.js';
import { startGraphqlHttp } from './graphql-http.js';
import { graphqlWsSessions, type SessionExtra } from './graphql-ws-sessions.js';
import { serveGraphqlWs } from './graphql-ws-transport.js';
import { DRAIN_DEFAULTS, HttpDrain } from './http-drain.js';
import { createPlayground } from './playground.js';
import { BodyError } from './read-body.js';
import { requestTarget } from './request-target.js';
import { createWebClient } from './web-client.js';
import { welcomePage } from './welcome-page.js';
import type { Metrics } from '../observability/metrics.js';
import { METRICS_PATH, serveMetrics } from '../observability/metrics-server.js';

export const GRAPHQL_PATH = '/graphql';

export interface HttpDeps {
  schema: GraphQLSchema;
  services: Services;
  /** Token checks that know revoked bot tokens (Authentication). */
  tokens: TokenCheck;
  /** Bots' sockets, closed when their token is revoked. */
  botSessions?: Pick<BotSessions, 'track'>;
  logger: Logger;
  /** Each engine's state and probe latency for /readyz. */
  readiness: () => Promise<{ engines: Record<string, 'up' | 'down'>; latencyMs: Record<string, number> }>;
  edge: EdgeConfig;
  /** At shutdown, how long in-flight requests and open sockets get before they are cut. */
  closeGraceMs: number;
  /** What requests, sockets and deliveries count into. */
  metrics?: Metrics;
  /** Whether /metrics is served on this port (METRICS_PORT unset) rather than on a port of its own. */
  metricsHere?: boolean;
}

export interface RunningHttpServer {
  port: number;
  url: string;
  /** Stops accepting, finishes in-flight requests, closes every socket. */
  close(): Promise<void>;
}

export async function startHttpServer(deps: HttpDeps, port: number, host?: string): Promise<RunningHttpServer> {
  const { schema, services, tokens, logger, edge } = deps;
  // One pipeline, two transports: every limit, rule and error policy is wired once, in it.
  const pipeline = createRequestPipeline({ schema, services, logger, maxConcurrentOperationsPerUser: edge.maxConcurrentOperationsPerUser, rateLimits: deps.metrics?.rateLimits });
  const addressOf = (req: Parameters<typeof clientAddress>[0]) => clientAddress(req, edge.trustProxy);

  const cors = corsPolicy(edge.corsOrigins);
  const httpServer = createServer();
  const drain = new HttpDrain(httpServer, { ...DRAIN_DEFAULTS, inFlightGraceMs: deps.closeGraceMs, refusedBodyBytes: edge.maxRequestBytes });
  /*
   * A frame over the limit closes its socket with 1009 (Message Too Big) before it is buffered whole.
   * graphql-ws messages get the smaller MAX_WS_MESSAGE_BYTES: a subscribe is parsed and then held
   * (query text, variables, extensions) for as long as its subscription lives.
   */
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: GRAPHQL_PATH,
    maxPayload: Math.min(edge.maxRequestBytes, edge.maxWsMessageBytes),
    ...({ closeTimeout: SOCKET_CLOSE_TIMEOUT_MS } as object),
    // CORS_ORIGINS holds for a browser's sockets too (cors.ts).
    verifyClient: ({ req }, done) => {
      if (cors.allowsSocket(req)) return done(true);
      logger.info({ reqId: requestIdOf(req.headers['x-request-id']), ip: addressOf(req), origin: req.headers.origin, status: 403 }, 'websocket refused: origin not allowed');
      done(false, 403, 'Origin not allowed');
    },
  });
  // Listen errors (a port in use) reach startHttpServer through the HTTP server; ws repeats them here, where unheard they would crash.
  wsServer.on('error', () => undefined);
  wsServer.on('connection', (_socket, request) => drain.forget(request.socket));
  const ws = serveGraphqlWs<Record<string, unknown>, SessionExtra>(
    graphqlWsSessions({
      pipeline,
      logger,
      tokens,
      limits: edge,
      onBotSocket: deps.botSessions ? (botId, tokenId, close) => deps.botSessions!.track(botId, tokenId, close) : undefined,
      onUserArrived: (userId) => services.presence.connected(userId),
      onUserGone: (userId) => {
        services.presence.disconnected(userId);
        void services.typing.leftInstance(userId);
      },
      subscriptions: deps.metrics?.subscriptions,
    }),
    wsServer,
    // Sockets get as long to answer the 1001 as HTTP requests get to finish.
    { logger, closeGraceMs: deps.closeGraceMs, clientAddress: addressOf, sockets: deps.metrics?.sockets },
  );
  const graphqlHttp = await startGraphqlHttp({ pipeline, tokens, maxRequestBytes: edge.maxRequestBytes, clientAddress: addressOf, metrics: deps.metrics?.http });

  const json = (res: ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(value));
  };

  const playground = createPlayground();
  const webClient = createWebClient();

  const route = (req: IncomingMessage, res: ServerResponse) => {
    const url = requestTarget(req);
    // Before admit: a listed origin can read every answer of /graphql, a 503 while closing included.
    if (url?.pathname === GRAPHQL_PATH) cors.decorate(req, res);
    if (!drain.admit(req, res)) return;
    if (!url) return json(res, 400, { errors: [{ message: 'The request target is not a path', extensions: { code: 'BAD_REQUEST' } }] });
    const path = url.pathname;
    const handle = async () => {
      // GraphiQL for a browser's GET /graphql, and its assets; every other /graphql request is GraphQL.
      if (playground.handles(req, url)) return playground.serve(req, res, url);
      if (path === GRAPHQL_PATH) return cors.isPreflight(req) ? cors.answerPreflight(res) : graphqlHttp.handle(req, res, url);
      if (path === METRICS_PATH && deps.metrics && deps.metricsHere) return serveMetrics(deps.metrics, req, res);
      if (path === '/healthz') return json(res, 200, { status: 'ok' });
      if (path === '/readyz') {
        const { engines, latencyMs } = await deps.readiness();
        const ready = Object.values(engines).every((state) => state === 'up');
        return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', engines, latencyMs });
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
      logger.error({ path, err: error }, 'request failed');
      if (!res.headersSent) json(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    });
  };
  httpServer.on('request', (req, res) => withAccessLog(logger, req, res, () => addressOf(req), () => route(req, res)));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    // Without a host Node listens on every interface (IPv6 and IPv4 where the system has both).
    httpServer.listen(port, host, () => resolve());
  });
  const actualPort = (httpServer.address() as AddressInfo).port;
  return {
    port: actualPort,
    url: `http://${reachableHost(host)}:${actualPort}${GRAPHQL_PATH}`,
    close: async () => {
      // Sockets are told 1001 (Going Away) while HTTP finishes what is in flight; Apollo stops last.
      await Promise.all([drain.close(), ws.dispose()]);
      await graphqlHttp.stop();
    },
  };
}

/** Where this process can reach its own listener: the host it listens on, or localhost for every interface. */
function reachableHost(host: string | undefined): string {
  if (!host || host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
