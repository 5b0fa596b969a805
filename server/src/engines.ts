import type { Config } from './config/config.js';
import { openEventLog } from './event-log/open-event-log.js';
import type { EventLog } from './event-log/port.js';
import { LocalMembershipCache } from './membership/local-membership-cache.js';
import { UncachedMembership, type MembershipCache } from './membership/port.js';
import { RedisMembershipCache } from './membership/redis-membership-cache.js';
import { LocalRateLimiter } from './rate-limit/local-rate-limiter.js';
import type { RateLimiter } from './rate-limit/port.js';
import { RedisRateLimiter } from './rate-limit/redis-rate-limiter.js';
import { connectRedis, pingRedis, startRedis } from './support/redis.js';
import { openMessageStore } from './message-store/open-message-store.js';
import type { MessageStore } from './message-store/port.js';
import { openRealtimeBus } from './realtime/open-realtime-bus.js';
import type { RealtimeBus } from './realtime/port.js';
import { SqlChatRepository } from './relational/chat-repository.js';
import { SqlDailyStatsRepository } from './relational/daily-stats-repository.js';
import { migrate, openRelational, type RelationalOrm } from './relational/orm.js';
import { SqlUserRepository } from './relational/user-repository.js';
import { errorFields, type Logger } from './support/logger.js';
import { Persister } from './workers/persister.js';

export type EngineState = 'up' | 'down';

/** One adapter per port, chosen by config; shared by the API and the persister process. */
export interface Engines {
  orm: RelationalOrm;
  users: SqlUserRepository;
  chats: SqlChatRepository;
  /** What the chat summary job recorded, for `chatStats`. */
  dailyStats: SqlDailyStatsRepository;
  store: MessageStore;
  bus: RealtimeBus;
  log: EventLog;
  persister: Persister;
  membership: MembershipCache;
  limiter: RateLimiter;
  /** Each configured engine, up or down, for /readyz. */
  readiness(): Promise<Record<string, EngineState>>;
  /** Drains the log first (accepted sends get stored), then closes the rest. */
  close(): Promise<void>;
}

export async function openEngines(config: Config, logger: Logger): Promise<Engines> {
  const closers: { name: string; close: () => Promise<void> }[] = [];
  const close = async () => {
    for (const { name, close } of closers.reverse().splice(0)) {
      await close().catch((error) => logger.warn(`closing ${name} failed`, errorFields(error)));
    }
  };
  try {
    const orm = await openRelational({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      poolSize: config.databasePoolSize,
      durable: config.pgliteFsync,
    });
    closers.push({ name: 'relational database', close: () => orm.close() });
    const applied = await migrate(orm);
    if (applied.length > 0) logger.info('migrations applied', { applied });

    const users = new SqlUserRepository(orm);
    const chats = new SqlChatRepository(orm);
    const store = await openMessageStore(config, orm, logger);
    closers.push({ name: 'message store', close: () => store.close() });
    const bus = await openRealtimeBus(config, logger);
    closers.push({ name: 'realtime bus', close: () => bus.close() });
    const log = await openEventLog(config, logger);
    const persister = new Persister(store, chats, users, bus, logger, { awaitPublish: config.kafkaBrokers !== undefined });
    // Publishes the drained batches issued go out before the bus closes.
    closers.push({ name: 'event log', close: () => log.close().finally(() => persister.idle()) });

    const loadMembers = (chatId: string) => chats.membersOf(chatId);
    // Only an embedded database is this process's alone: with PostgreSQL, another
    // instance's leaveChat would never reach a cache held here.
    let membership: MembershipCache = config.databaseUrl ? new UncachedMembership(loadMembers) : new LocalMembershipCache(loadMembers);
    let limiter: RateLimiter = new LocalRateLimiter();
    let redisPing = async () => {};
    if (config.redisUrl) {
      // Shared by the membership cache and the rate limits; the bus has its own pair.
      const redis = await startRedis(connectRedis(config.redisUrl, 'commands', logger));
      closers.push({ name: 'redis', close: async () => redis.disconnect() });
      membership = new RedisMembershipCache(redis, loadMembers, logger);
      limiter = new RedisRateLimiter(redis, logger);
      redisPing = () => pingRedis(redis);
    }
    const probe = (check: () => Promise<unknown>): Promise<EngineState> => check().then(() => 'up', () => 'down');
    return {
      orm,
      users,
      chats,
      dailyStats: new SqlDailyStatsRepository(orm),
      store,
      bus,
      log,
      persister,
      membership,
      limiter,
      readiness: async () => {
        const [relational, messageStore, realtimeBus, eventLog, cache] = await Promise.all([
          probe(() => orm.em.fork().execute('select 1')),
          probe(() => store.ping()),
          probe(() => bus.ping()),
          probe(() => log.ping()),
          probe(redisPing),
        ]);
        return { relational, messageStore, realtimeBus, eventLog, ...(config.redisUrl ? { cache } : {}) };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
