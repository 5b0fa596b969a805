import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openRelational } from '../../src/relational/orm.js';
import { SeededHistory } from '../support/seeded-history.js';
import { freshPgliteTarget, pgliteTarget, relationalTargets } from '../support/targets.js';

/** The compiled entry point, as the image and the Airflow DAG run it. */
const CLI = fileURLToPath(new URL('../../dist/jobs/chat-summary-main.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string[];
  stderr: string[];
}

function runCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  // Only what the job reads: none of this process's DATABASE_URL or MONGO_URL leak in.
  const childEnv = { PATH: process.env.PATH ?? '', TZ: 'Pacific/Kiritimati', ...env };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: childEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = (text: string) => text.split('\n').filter((line) => line !== '');
      resolve({ code, stdout: lines(stdout), stderr: lines(stderr) });
    });
  });
}

describe('chat summary CLI: a bad command line', () => {
  it.each([
    [['--date', '2026-02-30'], /^parley chat-summary: --date must be a calendar day from 1970-01-01 to 9999-12-31 written YYYY-MM-DD, got "2026-02-30"$/],
    [['--date', '2026-13-01'], /got "2026-13-01"$/],
    [['--date', '0000-01-01'], /got "0000-01-01"$/],
    [['--date', '1969-12-31'], /got "1969-12-31"$/],
    [['--date', '2026-3-1'], /got "2026-3-1"$/],
    [['--date', '01/03/2026'], /got "01\/03\/2026"$/],
    [['--date=yesterday'], /got "yesterday"$/],
    [['--date', ''], /got ""$/],
    [[], /^parley chat-summary: --date YYYY-MM-DD is required: the UTC day to summarize$/],
    [['--date'], /^parley chat-summary: Option '--date <value>' argument missing \(usage: --date YYYY-MM-DD\)$/],
    [['--day', '2026-03-01'], /^parley chat-summary: Unknown option '--day'.*\(usage: --date YYYY-MM-DD\)$/],
    [['2026-03-01'], /^parley chat-summary: Unexpected argument '2026-03-01'.*\(usage: --date YYYY-MM-DD\)$/],
  ])('%j exits 2 with one line on stderr and touches no database', async (args, message) => {
    // An unreachable DATABASE_URL proves the arguments are checked before any engine is opened.
    const run = await runCli(args, { DATABASE_URL: 'postgres://127.0.0.1:1/nowhere' });
    expect(run.code).toBe(2);
    expect(run.stdout).toEqual([]);
    expect(run.stderr).toHaveLength(1);
    expect(run.stderr[0]).toMatch(message);
  });

  it('an unreachable database exits 1 with one line naming the day', async () => {
    const run = await runCli(['--date', '2026-03-14'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
    expect(run.code).toBe(1);
    expect(run.stderr).toHaveLength(1);
    expect(run.stderr[0]).toMatch(/^parley chat-summary: 2026-03-14 failed: .*ECONNREFUSED/);
  });
});

// A fresh database on PGlite too: the CLI migrates it itself.
describe.each(relationalTargets.map((t) => (t === pgliteTarget ? freshPgliteTarget : t)))('chat summary CLI on $name', (target) => {
  let storage: Awaited<ReturnType<typeof target.provision>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    storage = await target.provision();
    // As in the image: production, and no JWT_SECRET, which the job has no use for.
    env = { NODE_ENV: 'production', DATA_DIR: storage.dataDir, ...(storage.databaseUrl ? { DATABASE_URL: storage.databaseUrl } : {}) };
  });

  afterAll(async () => {
    await storage?.dispose();
  });

  it('migrates a fresh database itself and succeeds on a day without messages', async () => {
    const run = await runCli(['--date', '2026-03-14'], env);
    expect(run.stderr).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toHaveLength(2);
    expect(run.stdout[0]).toMatch(/^parley chat-summary: applied migrations .*daily_stats/);
    expect(run.stdout[1]).toMatch(/^parley chat-summary: 2026-03-14: 0 chats, 0 messages, 0 active users in \d+ ms$/);
  });

  it('prints one line for a seeded day, the same on a re-run', async () => {
    // The CLI must be the database's only user while it runs (PGlite is one process's): seed, close, then run.
    const orm = await openRelational(storage);
    try {
      await migrate(orm);
      const seeded = new SeededHistory(orm);
      const [ada, bob] = [await seeded.user(), await seeded.user()];
      const chat = await seeded.group([ada, bob]);
      await seeded.messages(chat, [
        [ada, '2026-03-13T23:59:59.999Z'],
        [ada, '2026-03-14T00:00:00.000Z'],
        [bob, '2026-03-14T23:59:59.999Z'],
        [bob, '2026-03-15T00:00:00.000Z'],
      ]);
    } finally {
      await orm.close();
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      const run = await runCli(['--date', '2026-03-14'], env);
      expect(run.code).toBe(0);
      expect(run.stderr).toEqual([]);
      expect(run.stdout).toHaveLength(1);
      expect(run.stdout[0]).toMatch(/^parley chat-summary: 2026-03-14: 1 chat, 2 messages, 2 active users in \d+ ms$/);
    }
  });
});
