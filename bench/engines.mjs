import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { withTimeout } from './clock.mjs';
import { redisCommand } from './redis.mjs';

/*
 * The two ways Parley runs: everything embedded (PGlite under a fresh
 * DATA_DIR, in-process log and bus), and PostgreSQL + Redis (a throwaway
 * database created for the run and dropped after it). Each engine knows the
 * environment that selects it, how to run the seeding SQL while Parley is
 * stopped, and how to leave nothing behind.
 */

export async function postgresReachable(adminUrl, redisUrl) {
  try {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
    await client.connect();
    const { rows } = await client.query('show server_version');
    await client.end();
    const info = await redisCommand(redisUrl, ['INFO', 'server']);
    return { ok: true, postgresVersion: rows[0].server_version, redisVersion: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown' };
  } catch (error) {
    return { ok: false, reason: error.message };
  }
}

export async function embeddedEngine() {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-'));
  return {
    name: 'embedded',
    label: 'embedded (PGlite, in-process log and bus)',
    env: { DATA_DIR: dataDir },
    async runSql(statements, onStatement) {
      // Imported here so a run without the embedded engine never loads the WASM.
      const { PGlite } = await import('@electric-sql/pglite');
      // The search index is a btree_gin index: writing messages needs the extension loaded, as the server does.
      const { btree_gin } = await import('@electric-sql/pglite/contrib/btree_gin');
      const db = await PGlite.create(join(dataDir, 'pglite'), { extensions: { btree_gin } });
      try {
        for (const statement of statements) {
          const startedAt = performance.now();
          await db.exec(statement);
          onStatement?.(statement, performance.now() - startedAt);
        }
      } finally {
        await db.close();
      }
    },
    async cleanup() {
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function postgresEngine({ adminUrl, redisUrl, runId, versions }) {
  const database = `parley_bench_${runId}`;
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const databaseUrl = url.toString();
  let chatIds = [];
  return {
    name: 'postgres',
    label: `PostgreSQL ${versions.postgresVersion} + Redis ${versions.redisVersion}`,
    env: { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl },
    async runSql(statements, onStatement) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        for (const statement of statements) {
          const startedAt = performance.now();
          await client.query(statement);
          onStatement?.(statement, performance.now() - startedAt);
        }
      } finally {
        await client.end();
      }
    },
    /** The chats whose membership Parley may have cached in Redis, to delete afterwards. */
    rememberChats(ids) {
      chatIds = ids;
    },
    async cleanup() {
      await withTimeout(admin(`drop database if exists ${database} with (force)`), 60_000, `dropping ${database}`);
      for (let i = 0; i < chatIds.length; i += 500) {
        const keys = chatIds.slice(i, i + 500).flatMap((id) => [`parley:chat:${id}:members`, `parley:chat:${id}:members:gen`]);
        await redisCommand(redisUrl, ['DEL', ...keys]).catch(() => undefined);
      }
    },
  };
}
