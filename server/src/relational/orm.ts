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
  /**
   * Embedded only: whether a commit returns only once its WAL is on disk
   * (PGLITE_FSYNC). Default true; false trades a power loss's last commits
   * for speed.
   */
  durable?: boolean;
}

export type RelationalOrm = MikroORM & { em: SqlEntityManager };

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

export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}

