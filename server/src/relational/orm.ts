import type { Config } from '../config/config.js';
import { DATABASE_CONNECT_TIMEOUT_MS, DATABASE_STATEMENT_TIMEOUT_MS } from '../config/tuning.js';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MikroORM, type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PgliteDriver } from '@mikro-orm/pglite';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { relationalEntities } from './entities.js';
import { pgliteOptions } from './pglite-durability.js';

/** The repository's top-level `migrations/` folder, wherever this file was compiled to. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations', import.meta.url));

export interface RelationalOptions {
  databaseUrl?: string;
  dataDir: string;
  poolSize?: number;
  /** PostgreSQL only: connect (and pool wait) deadline, DATABASE_CONNECT_TIMEOUT_MS. */
  connectTimeoutMs?: number;
  /** PostgreSQL only: per-statement deadline, DATABASE_STATEMENT_TIMEOUT_MS; 0: none (migrations). */
  statementTimeoutMs?: number;
  /**
   * Embedded only: whether a commit returns only once its WAL is on disk
   * (PGLITE_FSYNC). Default true; false trades a power loss's last commits
   * for speed.
   */
  durable?: boolean;
}

export type RelationalOrm = MikroORM & { em: SqlEntityManager };

/** The relational database as the configuration names it: every process opens it the same way. */
export const relationalOptionsOf = (config: Config): RelationalOptions => ({
  databaseUrl: config.databaseUrl,
  dataDir: config.dataDir,
  poolSize: config.databasePoolSize,
  connectTimeoutMs: config.databaseConnectTimeoutMs,
  statementTimeoutMs: config.databaseStatementTimeoutMs,
  durable: config.pgliteFsync,
});

export async function openRelational(options: RelationalOptions): Promise<RelationalOrm> {
  const common = {
    entities: relationalEntities,
    extensions: [Migrator],
    migrations: { path: MIGRATIONS_DIR, glob: '!(*.d).{js,ts}', silent: true, snapshot: false },
    discovery: { warnWhenNoEntities: false },
    debug: false,
    allowGlobalContext: false,
  } satisfies Partial<Options>;
  if (options.databaseUrl) {
    return (await MikroORM.init({
      ...common,
      driver: PostgreSqlDriver,
      clientUrl: options.databaseUrl,
      pool: { min: 0, max: options.poolSize ?? 10 },
      // Passed to pg's Pool. Without them a hung PostgreSQL (or a dead route to it) holds every
      // request until TCP gives up, minutes later; with them the request fails as an engine
      // failure, which the API answers with UNAVAILABLE (support/engine-failure.ts).
      driverOptions: postgresTimeouts(options),
    })) as RelationalOrm;
  }
  const dir = resolve(options.dataDir, 'pglite');
  await mkdir(dir, { recursive: true });
  return (await MikroORM.init({
    ...common,
    driver: PgliteDriver,
    dbName: dir,
    // Passed through to PGlite.create (MikroORM adds dataDir from dbName); the cluster stays `dbName`.
    driverOptions: pgliteOptions(dir, options.durable ?? true),
  })) as RelationalOrm;
}

/** The client's wait for an answer outlives the server's own statement_timeout, so a slow statement is cancelled by the server (57014) and only a silent one is abandoned by the client. */
const CLIENT_GRACE_MS = 1000;

function postgresTimeouts(options: RelationalOptions) {
  const statement = options.statementTimeoutMs ?? DATABASE_STATEMENT_TIMEOUT_MS;
  const connect = {
    // Connecting, and waiting for a free pooled connection ("timeout exceeded when trying to connect").
    connectionTimeoutMillis: options.connectTimeoutMs ?? DATABASE_CONNECT_TIMEOUT_MS,
    keepAlive: true,
  };
  if (statement === 0) return connect;
  return {
    ...connect,
    statement_timeout: statement,
    // Client side ("Query read timeout"): a server that never answers is not cancelled by its own timer.
    query_timeout: statement + CLIENT_GRACE_MS,
    // A transaction left open by a hung client must not hold the chat's row lock for ever.
    idle_in_transaction_session_timeout: statement + CLIENT_GRACE_MS,
  };
}

export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}

/**
 * Applies pending migrations at start-up. On PostgreSQL they run on a
 * connection of their own without the statement deadline: a migration is no
 * request, and building an index over every message may rightly take minutes.
 * The connect deadline still holds.
 */
export async function migrateRelational(orm: RelationalOrm, options: RelationalOptions): Promise<string[]> {
  if (!options.databaseUrl) return migrate(orm);
  const own = await openRelational({ ...options, poolSize: 1, statementTimeoutMs: 0 });
  try {
    // Instances starting together on one database take turns: each waits here, and the later ones find nothing to apply.
    await own.em.getConnection().execute(`select pg_advisory_lock(hashtext('parley.migrations'))`);
    return await migrate(own);
  } finally {
    await own.close();
  }
}

