import pg from 'pg';
import type { Logger } from '../observability/log.js';

/**
 * Held by every API (and persister) instance on a shared PostgreSQL. An
 * instance without Redis runs the in-process bus and delivers live messages
 * only to its own subscribers, so it must be alone on the database: it takes
 * the lock exclusively. Instances with Redis reach each other and take it
 * shared, so any number of them coexist, while any mix of the two kinds finds
 * the lock held the wrong way and the one starting second refuses to start.
 * One fixed key for every Parley ("parley" in ASCII; advisory locks are per
 * database); session-level, so it lives exactly as long as the connection
 * that took it.
 */
const LOCK_KEY = 123563833845113; // 0x7061726c6579
/** How long to wait between attempts to take the lock back after its connection broke. */
const RETRY_MS = 2000;

/** Exclusive: this instance has no Redis and must be alone. Shared: it has Redis, like every other one must. */
export type LockMode = 'exclusive' | 'shared';

const REFUSALS: Record<LockMode, string> = {
  exclusive:
    'another Parley instance already uses this PostgreSQL database, and without REDIS_URL (or REDIS_CLUSTER_NODES) live messages do not cross instances: ' +
    'set REDIS_URL or REDIS_CLUSTER_NODES, the same on every instance (or SINGLE_INSTANCE_CHECK=off to start anyway)',
  shared:
    'a Parley instance without REDIS_URL (or REDIS_CLUSTER_NODES) already uses this PostgreSQL database, and live messages do not cross between it and instances with Redis: ' +
    'set REDIS_URL or REDIS_CLUSTER_NODES, the same on every instance (or SINGLE_INSTANCE_CHECK=off to start anyway)',
};

export class SingleInstanceError extends Error {
  constructor(mode: LockMode) {
    super(REFUSALS[mode]);
    this.name = 'SingleInstanceError';
  }
}

async function tryLock(databaseUrl: string, mode: LockMode, logger: Logger): Promise<pg.Client | null> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'parley-single-instance', connectionTimeoutMillis: 5000 });
  // A broken connection is reported here too; without a listener it would crash the process.
  client.on('error', (error) => logger.debug({ err: error }, 'single-instance lock connection error'));
  try {
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>(`select ${mode === 'shared' ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock'}(${LOCK_KEY}) as locked`);
    if (rows[0].locked) return client;
    await client.end();
    return null;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

/**
 * Takes the lock in `mode` or throws SingleInstanceError. If the lock's connection
 * breaks (a PostgreSQL restart), PostgreSQL releases the lock; it is taken
 * back in the background, and if another instance took it meanwhile, that
 * is logged as an error (this one cannot stop serving on its own).
 */
export async function holdSingleInstanceLock(databaseUrl: string, mode: LockMode, logger: Logger): Promise<{ release(): Promise<void> }> {
  let client = await tryLock(databaseUrl, mode, logger);
  if (!client) throw new SingleInstanceError(mode);
  let released = false;
  let retry: NodeJS.Timeout | null = null;
  let reported = false;

  const reacquire = async () => {
    retry = null;
    if (released) return;
    try {
      client = await tryLock(databaseUrl, mode, logger);
      if (released) return void (await client?.end());
      if (client) {
        watch(client);
        if (reported) logger.info('single-instance lock taken back');
        reported = false;
        return;
      }
      if (!reported) logger.error(REFUSALS[mode]);
      reported = true;
    } catch {
      // PostgreSQL is still away; readiness reports that.
    }
    retry = setTimeout(() => void reacquire(), RETRY_MS);
    retry.unref();
  };
  const watch = (held: pg.Client) =>
    held.once('end', () => {
      if (released || retry) return;
      retry = setTimeout(() => void reacquire(), RETRY_MS);
      retry.unref();
    });
  watch(client);

  return {
    release: async () => {
      released = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
