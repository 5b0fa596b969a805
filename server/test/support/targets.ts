import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate, MIGRATIONS_DIR, openRelational } from '../../src/relational/orm.js';
import { createTestDatabase, postgresUnreachable } from './postgres.js';

/**
 * A relational engine a suite runs against. PGlite always; the machine's real
 * PostgreSQL too. In CI an unreachable PostgreSQL fails the run; elsewhere the
 * suite is skipped and says why.
 */
export interface RelationalTarget {
  name: 'pglite' | 'postgres';
  /** Storage for one server lifetime or several (restart tests reuse it). */
  provision(): Promise<{ dataDir: string; databaseUrl?: string; dispose(): Promise<void> }>;
}

/** The installed PGlite's version: its package.json is not exported, so found above its entry point. */
async function pgliteVersion(): Promise<string> {
  let dir = dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite')));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * A migrated PGlite cluster, made once per migrations and PGlite version and
 * shared by every test file of the run (and later runs): initdb and the
 * migrations take about 6 s here, a copy 0.2 s. Parley still runs its
 * migrator on start, and finds nothing left to do.
 */
let template: Promise<string> | undefined;
function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const hash = createHash('sha256');
    hash.update(await pgliteVersion());
    for (const name of (await readdir(MIGRATIONS_DIR)).sort()) hash.update(name).update(await readFile(join(MIGRATIONS_DIR, name)));
    const path = join(tmpdir(), `parley-pglite-template-${hash.digest('hex').slice(0, 16)}`);
    if (existsSync(path)) return path;
    // Made aside and renamed into place: a template is there whole, or not at all, whichever file made it.
    const building = await mkdtemp(join(tmpdir(), 'parley-pglite-building-'));
    const orm = await openRelational({ dataDir: building, durable: false });
    try {
      await migrate(orm);
    } finally {
      await orm.close();
    }
    await rename(building, path).catch(async (error: NodeJS.ErrnoException) => {
      await rm(building, { recursive: true, force: true });
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
    return path;
  })();
  return template;
}

/** PGlite from scratch: initdb and no migrations applied (for the tests of migrations themselves). */
export const freshPgliteTarget: RelationalTarget = {
  name: 'pglite',
  async provision() {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-test-'));
    return { dataDir, dispose: () => rm(dataDir, { recursive: true, force: true }) };
  },
};

/** Puts a migrated PGlite cluster into `dataDir`, where Parley would make one at its first start. */
export async function seedPglite(dataDir: string): Promise<void> {
  await cp(join(await pgliteTemplate(), 'pglite'), join(dataDir, 'pglite'), { recursive: true });
}

/** PGlite as Parley leaves it after its first start: migrated (a copy of the template). */
export const pgliteTarget: RelationalTarget = {
  name: 'pglite',
  async provision() {
    const storage = await freshPgliteTarget.provision();
    await seedPglite(storage.dataDir);
    return storage;
  },
};

export const postgresTarget: RelationalTarget = {
  name: 'postgres',
  async provision() {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-test-'));
    const db = await createTestDatabase();
    return {
      dataDir,
      databaseUrl: db.url,
      dispose: async () => {
        await db.drop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
};

const unreachable = await postgresUnreachable();
if (unreachable && process.env.CI) {
  throw new Error(`${unreachable}. In CI PostgreSQL is required: this is a failure, not a skip.`);
}
if (unreachable) console.warn(`SKIPPED postgres suites: ${unreachable}`);

export const relationalTargets: RelationalTarget[] = unreachable ? [pgliteTarget] : [pgliteTarget, postgresTarget];

/** A whole deployment shape to run an API suite on: the database, and the environment that goes with it. */
export interface DeploymentSetup {
  name: string;
  target: RelationalTarget;
  env: Record<string, string>;
}

/**
 * Embedded (PGlite, in-process bus) and, where the machine has them,
 * PostgreSQL + Redis: the two shapes every live feature must work on.
 */
export function deploymentSetups(redisUrl: string, redisSkipReason: string | null | undefined): DeploymentSetup[] {
  return relationalTargets.map((target): DeploymentSetup => {
    const withRedis = target.name === 'postgres' && !redisSkipReason;
    return { name: withRedis ? 'postgres + redis' : target.name, target, env: withRedis ? { REDIS_URL: redisUrl } : {} };
  });
}
