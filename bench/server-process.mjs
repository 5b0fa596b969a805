import { createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { withTimeout } from './clock.mjs';
import { descendantPids, programPid, rssKiB, spawnPinned, stopProcess, treeCpuSeconds } from './processes.mjs';
// The server's own list of every limit, so the bench measures Parley without them (npm run bench builds first).
import { LIMITS_OFF, loadConfig } from '../server/dist/config/config.js';

export const SERVER_CORE = 0;

/** The server's default PRESENCE_GRACE_MS: a user whose last socket closed goes offline this long afterwards. */
export const PRESENCE_GRACE_MS = loadConfig({}).presenceGraceMs;

/**
 * A server under test (Parley, or the ws baseline) in its own process on the
 * server core (`cores`: a taskset list such as `0,1` for Parley with
 * WORKERS=2). It is ready when it prints the line `ready` matches; its output
 * goes to logFile so a failed run can be read afterwards.
 */
export async function startPinnedServer({ name, argv, env, cwd, ready, logFile, maxSeconds, gcOnSignal = false, startTimeoutMs = 120_000, cores = SERVER_CORE }) {
  const child = spawnPinned(cores, argv, { maxSeconds, cwd, env });
  const log = createWriteStream(logFile, { flags: 'a' });
  let output = '';
  const port = await withTimeout(
    new Promise((resolve, reject) => {
      const scan = (chunk) => {
        log.write(chunk);
        if (output.length < 100_000) output += chunk.toString();
        const match = ready.exec(output);
        if (match) resolve(Number(match[1]));
      };
      child.stdout.on('data', scan);
      child.stderr.on('data', scan);
      child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready; see ${logFile}:\n${output.slice(-2000)}`)));
    }),
    startTimeoutMs,
    `${name} to start`,
  );
  const pid = programPid(child);
  return {
    name,
    port,
    pid,
    httpUrl: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    rssKiB: () => rssKiB(pid),
    /**
     * Resident memory after a full GC (servers preloaded with gc-on-signal.mjs; otherwise plain RSS),
     * summed over the server and its workers (WORKERS>1): pages they share count once per process.
     */
    settledRssKiB: async () => {
      const pids = [pid, ...descendantPids(pid)];
      if (gcOnSignal) {
        for (const p of pids) process.kill(p, 'SIGUSR2');
        await new Promise((r) => setTimeout(r, 1_000));
      }
      return pids.reduce((sum, p) => sum + rssKiB(p), 0);
    },
    /** CPU seconds used so far by the server: with WORKERS>1, the primary and its workers. */
    cpuSeconds: () => treeCpuSeconds(pid),
    /** Graceful stop (Parley drains and closes its engines; --cpu-prof writes its profile then). */
    stop: async () => {
      const code = await stopProcess(child, 60_000);
      log.end();
      return code;
    },
  };
}

/** Engine settings from the caller's shell must not leak into a run: each engine sets its own. */
const ENGINE_VARIABLES = ['DATA_DIR', 'DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS', 'MONGO_URL', 'JWT_SECRET', 'PERSISTER', 'NODE_ENV', 'PORT', 'WORKERS'];

const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([key]) => !ENGINE_VARIABLES.includes(key)));

/**
 * Parley as `npm start` runs it, plus the bench's environment. With
 * env.WORKERS above 1 the ready line is the primary's, written once every
 * worker serves; pass `cores` to give the workers more than the server core.
 */
export function startParley({ repoRoot, entry = join(repoRoot, 'server/dist/main.js'), env, logFile, cpuProfile, maxSeconds, cores }) {
  const nodeFlags = [
    // Lets the bench trigger a full GC before reading memory (see gc-on-signal.mjs).
    '--expose-gc',
    `--import=${pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'gc-on-signal.mjs')).href}`,
    ...(cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfile.dir}`, `--cpu-prof-name=${cpuProfile.name}`] : []),
  ];
  return startPinnedServer({
    name: 'parley',
    argv: [process.execPath, ...nodeFlags, entry],
    cwd: repoRoot,
    // As deployed (the Dockerfile sets NODE_ENV=production; graphql-js, for one, skips its development checks).
    env: { ...cleanEnv(), NODE_ENV: 'production', PORT: '0', ...LIMITS_OFF, ...env },
    ready: /Parley is listening on http:\/\/[^:]+:(\d+)\//,
    gcOnSignal: true,
    logFile,
    maxSeconds,
    cores,
  });
}

export function startBaseline({ benchDir, logFile, maxSeconds }) {
  return startPinnedServer({
    name: 'ws baseline',
    argv: [process.execPath, join(benchDir, 'baseline/ws-broadcast.mjs')],
    cwd: benchDir,
    env: process.env,
    ready: /baseline listening on (\d+)/,
    logFile,
    maxSeconds,
  });
}
