import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from './config/config.js';
import { Announcer } from './domain/announcer.js';
import { AuthService } from './domain/auth-service.js';
import { Authentication } from './domain/authentication.js';
import { BotService } from './domain/bot-service.js';
import { BotSessions } from './domain/bot-sessions.js';
import { ChatOutbox } from './domain/chat-outbox.js';
import { ChatService } from './domain/chat-service.js';
import { ChatStatsService } from './domain/chat-stats-service.js';
import { EventCursors } from './domain/event-cursor.js';
import { ChatFeeds } from './domain/chat-feed.js';
import { LiveCheck } from './domain/live-check.js';
import { MessageService } from './domain/message-service.js';
import { RateLimits } from './domain/rate-limits.js';
import { TokenService } from './domain/tokens.js';
import { TypingService } from './domain/typing-service.js';
import { PresenceFeed } from './domain/presence-feed.js';
import { PresenceService } from './domain/presence-service.js';
import { SearchService } from './domain/search-service.js';
import { UserService } from './domain/user-service.js';
import { openEngines } from './engines.js';
import { buildParleySchema } from './graphql/schema.js';
import { Metrics } from './observability/metrics.js';
import { startMetricsServer, type MetricsServer } from './observability/metrics-server.js';
import { startHttpServer } from './http/server.js';
import { shareMetricsWithPrimary } from './cluster/metrics.js';
import { createLogger, type Logger } from './observability/log.js';
import { closeWithin, requestGraceOf } from './support/shutdown.js';

export interface Parley {
  port: number;
  url: string;
  /** Where /metrics is served: on `port`, or on METRICS_PORT when set. */
  metricsUrl: string;
  /**
   * Graceful: stop accepting, finish in-flight sends, close sockets, flush the
   * database. Settles within SHUTDOWN_TIMEOUT: past it, rejects with a
   * ShutdownTimeout naming what was still open.
   */
  close(): Promise<void>;
}

/** Outside production the signing secret is generated once and kept beside the data. */
async function jwtSecret(config: Config): Promise<string> {
  if (config.jwtSecret) return config.jwtSecret;
  const file = join(config.dataDir, 'jwt-secret');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    await mkdir(config.dataDir, { recursive: true });
    // Written aside, then linked into place (link fails if the file exists): when instances or
    // workers race on a fresh data dir, each reads the winner's whole secret, never a half-written file.
    const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writeFile(draft, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
    try {
      await link(draft, file).catch(() => undefined);
    } finally {
      await unlink(draft).catch(() => undefined);
    }
    return (await readFile(file, 'utf8')).trim();
  }
}

export interface StartOptions {
  /**
   * A worker of WORKERS>1 (cluster/primary.ts): /metrics on the API port answers with every
   * worker's figures, aggregated by the primary, which also serves METRICS_PORT in its place.
   */
  clusterWorker?: boolean;
}

/** The composition root of the API process: engines, services, HTTP and WebSocket. */
export async function startParley(config: Config, logger: Logger = createLogger(config.log), { clusterWorker = false }: StartOptions = {}): Promise<Parley> {
  // One registry per instance: tests run many in one process.
  const metrics = new Metrics();
  if (clusterWorker) shareMetricsWithPrimary(metrics);
  const engines = await openEngines(config, logger, metrics);
  metrics.watchEngines(engines.readiness);
  let metricsServer: MetricsServer | null = null;
  try {
    if (config.metricsPort !== undefined && !clusterWorker) metricsServer = await startMetricsServer(metrics, config.metricsPort, config.host);
    if (config.persister === 'inline') {
      // Only the in-process log forgets what a crash left stored but unrecorded; Kafka redelivers it.
      if (!config.kafkaBrokers) await engines.persister.repairActivity();
      await engines.log.consume(engines.persister.handle);
    }

    const outbox = new ChatOutbox(engines.chats, engines.log, logger);
    // Announcements wait on the bus no longer than membership and rate limits wait on Redis.
    const announcer = new Announcer(engines.bus, config.redisCommandTimeoutMs, logger);
    const limits = new RateLimits(engines.limiter, config, metrics.rateLimits);
    const chats = new ChatService(engines.chats, engines.users, engines.membership, engines.bus, announcer, limits, engines.store, outbox);
    const secret = await jwtSecret(config);
    const tokens = new TokenService(secret, { lifetimeMs: config.edge.tokenLifetimeMs });
    const chatIdsOf = (userId: string) => engines.chats.chatIdsOf(userId);
    const liveCheck = new LiveCheck(engines.chats, config.liveCheckIntervalMs, logger);
    // A revoked bot token whose announcement was lost closes its sockets within one live check interval, like a lost leave.
    const botSessions = new BotSessions(engines.bus, engines.users, config.liveCheckIntervalMs, logger);
    const services = {
      auth: new AuthService(engines.users, tokens, limits),
      bots: new BotService(engines.users, tokens, announcer, botSessions),
      users: new UserService(engines.users),
      chats,
      messages: new MessageService(chats, engines.store, engines.log, new ChatFeeds(engines.bus, engines.store, config.busReorderWaitMs, logger), limits, liveCheck, new EventCursors(secret), config.typingTimeoutMs, metrics.sends),
      chatStats: new ChatStatsService(chats, engines.dailyStats),
      typing: new TypingService(chats, announcer),
      search: new SearchService(chats, engines.store, { encrypted: config.messageKeys !== null }),
      presence: new PresenceService(
        engines.presence,
        engines.users,
        engines.chats,
        announcer,
        new PresenceFeed(engines.bus, chatIdsOf, logger),
        { graceMs: config.presenceGraceMs, heartbeatMs: config.presenceHeartbeatMs },
        logger,
      ),
    };
    // Before any socket can arrive: this instance is registered and listening.
    await services.presence.start();
    await botSessions.start();
    const http = await startHttpServer(
      {
        schema: await buildParleySchema(),
        services,
        tokens: new Authentication(tokens, engines.users),
        botSessions,
        logger,
        readiness: engines.readiness,
        edge: config.edge,
        closeGraceMs: requestGraceOf(config.shutdownTimeoutMs),
        metrics,
        metricsHere: config.metricsPort === undefined,
      },
      config.port,
      config.host,
    );

    outbox.start(config.liveCheckIntervalMs);
    let closing: Promise<void> | null = null;
    return {
      port: http.port,
      url: http.url,
      metricsUrl: metricsServer?.url ?? http.url.replace(/\/graphql$/, '/metrics'),
      // HTTP drains first (in-flight sends finish), then the log drains and the engines close.
      close: () =>
        (closing ??= closeWithin(config.shutdownTimeoutMs, async (step) => {
          try {
            services.presence.drain();
            await step('HTTP requests and WebSockets', () => http.close());
          } finally {
            liveCheck.close();
            botSessions.close();
            await step('presence', () => services.presence.close());
            await step('chat outbox', () => outbox.close());
            await engines.close(step);
            await step('metrics', async () => metricsServer?.close());
          }
        })),
    };
  } catch (error) {
    await metricsServer?.close();
    await engines.close();
    throw error;
  }
}
