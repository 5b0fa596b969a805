import pg from 'pg';
import { errorFields, type Logger } from '../support/logger.js';

/**
 * Held by every API instance that runs the in-process realtime bus on a
 * shared PostgreSQL. Such an instance delivers live messages only to its own
 * subscribers, so a second one on the same database would silently stop
 * delivery across them: it finds the lock taken and refuses to start. One
 * fixed key for every Parley ("parley" in ASCII); session-level, so it lives
 * exactly as long as the connection that took it.
 */
const LOCK_KEY = 123563833845113; // 0x7061726c6579
/** How long to wait between attempts to take the lock back after its connection broke. */
const RETRY_MS = 2000;

export const SINGLE_INSTANCE_REFUSAL =
  'another Parley instance already uses this PostgreSQL database without REDIS_URL, and live messages do not cross instances ' +
  'without Redis: set REDIS_URL on every instance (or SINGLE_INSTANCE_CHECK=off to start anyway)';

export class SingleInstanceError extends Error {
  constructor() {
    super(SINGLE_INSTANCE_REFUSAL);
    this.name = 'SingleInstanceError';
  }
}

async function tryLock(databaseUrl: string, logger: Logger): Promise<pg.Client | null> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'parley-single-instance', connectionTimeoutMillis: 5000 });
  // A broken connection is reported here too; without a listener it would crash the process.
  client.on('error', (error) => logger.debug('single-instance lock connection error', errorFields(error)));
  try {
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>(`select pg_try_advisory_lock(${LOCK_KEY}) as locked`);
    if (rows[0].locked) return client;
    await client.end();
    return null;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

/**
 * Takes the lock or throws SingleInstanceError. If the lock's connection
 * breaks (a PostgreSQL restart), PostgreSQL releases the lock; it is taken
 * back in the background, and if another instance took it meanwhile, that
 * is logged as an error (this one cannot stop serving on its own).
 */
export async function holdSingleInstanceLock(databaseUrl: string, logger: Logger): Promise<{ release(): Promise<void> }> {
  let client = await tryLock(databaseUrl, logger);
  if (!client) throw new SingleInstanceError();
  let released = false;
  let retry: NodeJS.Timeout | null = null;
  let reported = false;

  const reacquire = async () => {
    retry = null;
    if (released) return;
    try {
      client = await tryLock(databaseUrl, logger);
      if (released) return void (await client?.end());
      if (client) {
        watch(client);
        if (reported) logger.info('single-instance lock taken back');
        reported = false;
        return;
      }
      if (!reported) logger.error(SINGLE_INSTANCE_REFUSAL);
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
