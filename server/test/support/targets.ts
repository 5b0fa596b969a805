import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

export const pgliteTarget: RelationalTarget = {
  name: 'pglite',
  async provision() {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-test-'));
    return { dataDir, dispose: () => rm(dataDir, { recursive: true, force: true }) };
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
