import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from './config/config.js';
import { AuthService } from './domain/auth-service.js';
import { ChatService } from './domain/chat-service.js';
import { MessageService } from './domain/message-service.js';
import { TokenService } from './domain/tokens.js';
import { UserService } from './domain/user-service.js';
import { LocalEventLog } from './event-log/local-event-log.js';
import type { EventLog } from './event-log/port.js';
import { buildParleySchema } from './graphql/schema.js';
import { startHttpServer } from './http/server.js';
import type { MessageStore } from './message-store/port.js';
import { SqlMessageStore } from './message-store/sql-message-store.js';
import { LocalRealtimeBus } from './realtime/local-realtime-bus.js';
import type { RealtimeBus } from './realtime/port.js';
import { SqlChatRepository } from './relational/chat-repository.js';
import { migrate, openRelational, type RelationalOrm } from './relational/orm.js';
import { SqlUserRepository } from './relational/user-repository.js';
import { consoleLogger, type Logger } from './support/logger.js';
import { Persister } from './workers/persister.js';

export interface Parley {
  port: number;
  url: string;
  /** Graceful: stop accepting, finish in-flight sends, close sockets, flush the database. */
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
    const secret = randomBytes(48).toString('base64url');
    await writeFile(file, secret, { mode: 0o600, flag: 'wx' }).catch(async () => undefined);
    return (await readFile(file, 'utf8')).trim();
  }
}

/** Adapters not built yet must not be silently replaced by embedded ones. */
function refuseUnbuiltEngines(config: Config): void {
  const unbuilt = [
    ['REDIS_URL', config.redisUrl],
    ['KAFKA_BROKERS', config.kafkaBrokers],
    ['MONGO_URL', config.mongoUrl],
  ].filter(([, value]) => value !== undefined);
  if (unbuilt.length > 0) {
    throw new Error(`${unbuilt.map(([name]) => name).join(', ')}: this build of Parley has no adapter for it yet; unset it to use the embedded engine`);
  }
}

/** The composition root: reads config, picks one adapter per port, wires services and servers. */
export async function startParley(config: Config, logger: Logger = consoleLogger): Promise<Parley> {
  refuseUnbuiltEngines(config);
  const orm: RelationalOrm = await openRelational({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const closers: (() => Promise<void>)[] = [() => orm.close()];
  try {
    const applied = await migrate(orm);
    if (applied.length > 0) logger.info('migrations applied', { applied });

    const users = new SqlUserRepository(orm);
    const chats = new SqlChatRepository(orm);
    const store: MessageStore = new SqlMessageStore(orm);
    const bus: RealtimeBus = new LocalRealtimeBus();
    const log: EventLog = new LocalEventLog();
    closers.unshift(() => bus.close(), () => store.close(), () => log.close());

    await log.consume(new Persister(store, chats, users, bus, logger).handle);

    const chatService = new ChatService(chats, users);
    const tokens = new TokenService(await jwtSecret(config));
    const services = {
      auth: new AuthService(users, tokens),
      users: new UserService(users),
      chats: chatService,
      messages: new MessageService(chatService, store, log, bus),
    };
    const probe = async (check: () => Promise<unknown>) => check().then(() => 'up' as const, () => 'down' as const);
    const http = await startHttpServer(
      {
        schema: await buildParleySchema(),
        services,
        tokens,
        logger,
        readiness: async () => ({
          relational: await probe(() => orm.em.fork().execute('select 1')),
          messageStore: await probe(() => store.ping()),
        }),
      },
      config.port,
    );
    // In-flight sends finish while HTTP drains; then the log, the bus and the database close.
    closers.unshift(() => http.close());

    let closing: Promise<void> | null = null;
    return {
      port: http.port,
      url: http.url,
      close: () => (closing ??= runClosers(closers, logger)),
    };
  } catch (error) {
    await runClosers(closers, logger);
    throw error;
  }
}

async function runClosers(closers: (() => Promise<void>)[], logger: Logger): Promise<void> {
  for (const close of closers) {
    try {
      await close();
    } catch (error) {
      logger.warn('error while shutting down', { error: error instanceof Error ? error.message : String(error) });
    }
  }
}
