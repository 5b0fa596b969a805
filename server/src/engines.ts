import { redisTargetOf, type Config } from './config/config.js';
import { READINESS_PROBE_MS } from './config/tuning.js';
import { openEventLog } from './event-log/open-event-log.js';
import type { EventLog } from './event-log/port.js';
import { openMembershipCache } from './membership/open-membership-cache.js';
import type { MembershipCache } from './membership/port.js';
import { openRateLimiter } from './rate-limit/open-rate-limiter.js';
import type { RateLimiter } from './rate-limit/port.js';
import { openPresenceRegistry } from './presence/open-presence-registry.js';
import type { PresenceRegistry } from './presence/port.js';
import { connectRedis, pingRedis, RedisBreaker, startRedis, type SharedRedis } from './support/redis.js';
import { withEngineFailuresUnavailable } from './support/engine-failure.js';
import { holdSingleInstanceLock } from './realtime/single-instance-lock.js';
import { openMessageStore } from './message-store/open-message-store.js';
import type { MessageStore } from './message-store/port.js';
import { openRealtimeBus } from './realtime/open-realtime-bus.js';
import type { RealtimeBus } from './realtime/port.js';
import { SqlChatRepository } from './relational/chat-repository.js';
import { SqlDailyStatsRepository } from './relational/daily-stats-repository.js';
import { migrateRelational, openRelational, relationalOptionsOf } from './relational/orm.js';
import type { ChatRepository, DailyStatsRepository, UserRepository } from './relational/ports.js';
import type { Metrics } from './observability/metrics.js';
import { SqlUserRepository } from './relational/user-repository.js';
import type { Logger } from './observability/log.js';
import type { ShutdownStep } from './support/shutdown.js';
import { MessageCipher } from './encryption/message-cipher.js';
import { OpenedMessageStore } from './encryption/opened-message-store.js';
import { OpenedRealtimeBus } from './encryption/opened-realtime-bus.js';
import { SealingEventLog } from './encryption/sealing-event-log.js';
import { Persister } from './domain/persister.js';

export type EngineState = 'up' | 'down';
/** What /readyz reports: each configured engine up or down, and how long its probe took. */
export interface Readiness {
  engines: Record<string, EngineState>;
  /** Milliseconds each probe took to answer (a hung engine shows the probe deadline). */
  latencyMs: Record<string, number>;
}

/**
 * One adapter per port, chosen by config; shared by the API and the persister
 * process. Each is handed out as its port: what is behind it is this file's
 * business alone.
 */
export interface Engines {
  /** Repositories and store for the API: an engine failure surfaces as UNAVAILABLE (support/engine-failure.ts). */
  users: UserRepository;
  chats: ChatRepository;
  /** What the chat summary job recorded, for `chatStats`. */
  dailyStats: DailyStatsRepository;
  /** With MESSAGE_KEYS: store, bus and log as the API sees them, bodies opened on the way out and sealed on the way in. */
  store: MessageStore;
  bus: RealtimeBus;
  log: EventLog;
  /** The write path, over the raw ports: what consumes the log. */
  persister: Pick<Persister, 'handle' | 'repairActivity'>;
  membership: MembershipCache;
  limiter: RateLimiter;
  /** Who holds a socket on which instance: presence. */
  presence: PresenceRegistry;
  /** Each configured engine, up or down, with its probe's latency, for /readyz. */
  readiness(): Promise<Readiness>;
  /** Drains the log first (accepted sends get stored), then closes the rest, each engine a `step` of the shutdown. */
  close(step?: ShutdownStep): Promise<void>;
}

export async function openEngines(config: Config, logger: Logger, metrics?: Metrics): Promise<Engines> {
  const closers: { name: string; close: () => Promise<void> }[] = [];
  const close = async (step: ShutdownStep = (_name, run) => run()) => {
    for (const { name, close } of closers.reverse().splice(0)) {
      await step(name, close).catch((error) => logger.warn({ err: error }, `closing ${name} failed`));
    }
  };
  // REDIS_URL or REDIS_CLUSTER_NODES: either one shares the bus, the cache, the limits and presence.
  const sharedRedis = redisTargetOf(config);
  try {
    const relational = relationalOptionsOf(config);
    const orm = await openRelational(relational);
    closers.push({ name: 'relational database', close: () => orm.close() });
    if (config.databaseUrl) {
      // Before migrating: an instance that must not run changes nothing. Without Redis this
      // instance must be alone (exclusive); with Redis it may share only with others that have it.
      if (config.singleInstanceCheck) {
        const lock = await holdSingleInstanceLock(config.databaseUrl, sharedRedis ? 'shared' : 'exclusive', logger);
        closers.push({ name: 'single-instance lock', close: () => lock.release() });
      } else if (!sharedRedis) {
        logger.warn('SINGLE_INSTANCE_CHECK=off: without REDIS_URL (or REDIS_CLUSTER_NODES), live messages reach only the subscribers of the instance that stored them');
      } else {
        logger.warn('SINGLE_INSTANCE_CHECK=off: an instance without Redis on this database would not be detected');
      }
    }
    const applied = await migrateRelational(orm, relational);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');

    // The persister gets the repositories as they are (its failures are retried and logged
    // with their cause); everything the API serves sees an engine failure as UNAVAILABLE.
    const rawUsers = new SqlUserRepository(orm);
    const rawChats = new SqlChatRepository(orm);
    const users = withEngineFailuresUnavailable(rawUsers);
    const chats = withEngineFailuresUnavailable(rawChats);
    const store = await openMessageStore(config, orm, logger);
    closers.push({ name: 'message store', close: () => store.close() });
    const bus = await openRealtimeBus(config, logger, metrics?.bus);
    closers.push({ name: 'realtime bus', close: () => bus.close() });
    const log = await openEventLog(config, logger, metrics?.consumer);
    const persister = new Persister(store, rawChats, rawUsers, bus, logger, { awaitPublish: config.kafkaBrokers !== undefined, meter: metrics?.persister });
    // Publishes the drained batches issued go out before the bus closes.
    closers.push({ name: 'event log', close: () => log.close().finally(() => persister.idle()) });

    let shared: SharedRedis | null = null;
    let redisPing = async () => {};
    if (sharedRedis) {
      // Shared by the membership cache, the rate limits and presence; the bus has its own pair.
      // The first two have a fallback (the database, failing open), so a hung Redis costs at most one
      // short timeout per cool-down instead of a long one per request.
      const redis = await startRedis(connectRedis(sharedRedis, 'commands', logger, 'commands', config.redisCommandTimeoutMs));
      closers.push({ name: 'redis', close: async () => redis.disconnect() });
      shared = { client: redis, breaker: new RedisBreaker(config.redisCooldownMs, logger) };
      redisPing = () => pingRedis(redis);
    }
    const membership = openMembershipCache(config, shared, chats, logger);
    const limiter = openRateLimiter(shared, logger);
    const presence = openPresenceRegistry(shared);
    // Every probe is bounded: a hung engine is 'down' within the deadline instead of holding /readyz
    // (and the orchestrator's probe) as long as the engine hangs.
    const probe = async (check: () => Promise<unknown>): Promise<[EngineState, number]> => {
      let timer: NodeJS.Timeout | undefined;
      const started = performance.now();
      const deadline = new Promise<EngineState>((resolve) => {
        timer = setTimeout(() => resolve('down'), READINESS_PROBE_MS);
      });
      const answer = check().then((): EngineState => 'up', (): EngineState => 'down');
      const state = await Promise.race([answer, deadline]).finally(() => clearTimeout(timer));
      return [state, Math.round((performance.now() - started) * 10) / 10];
    };
    // With MESSAGE_KEYS the API seals bodies on their way into the log and opens them where they come
    // out of the store or the bus; the persister (above) moves ciphertext with the raw ports and holds no text.
    const cipher = config.messageKeys ? new MessageCipher(config.messageKeys) : null;
    const apiStore = withEngineFailuresUnavailable(store);
    return {
      users,
      chats,
      dailyStats: withEngineFailuresUnavailable(new SqlDailyStatsRepository(orm)),
      store: cipher ? new OpenedMessageStore(apiStore, cipher) : apiStore,
      bus: cipher ? new OpenedRealtimeBus(bus, cipher) : bus,
      log: cipher ? new SealingEventLog(log, cipher) : log,
      persister,
      membership,
      limiter,
      presence: withEngineFailuresUnavailable(presence),
      readiness: async () => {
        const checks: [string, () => Promise<unknown>][] = [
          ['relational', () => orm.em.fork().execute('select 1')],
          ['messageStore', () => store.ping()],
          ['realtimeBus', () => bus.ping()],
          ['eventLog', () => log.ping()],
          ...(sharedRedis ? [['cache', redisPing] as [string, () => Promise<unknown>]] : []),
        ];
        const probes = await Promise.all(checks.map(async ([name, check]) => [name, await probe(check)] as const));
        return {
          engines: Object.fromEntries(probes.map(([name, [state]]) => [name, state])),
          latencyMs: Object.fromEntries(probes.map(([name, [, ms]]) => [name, ms])),
        };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
