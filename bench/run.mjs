#!/usr/bin/env node
/*
 * `npm run bench`: measures Parley as its users feel it and writes
 * BENCHMARKS.md and bench/results/latest.json.
 *
 * Cores: the server under test (Parley, or the ws baseline) runs alone on
 * core 0; this orchestrator and every load-generating process run on core 1,
 * so the server never shares its core with the clients measuring it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { now } from './clock.mjs';
import { embeddedEngine, postgresEngine, postgresReachable } from './engines.mjs';
import { errorCode, graphqlClient, LAST_SEQ } from './http-graphql.mjs';
import {
  benchPasswordHash, BENCH_PASSWORD, crowdChatId, fanoutId, historyChatId, mintToken, newJwtSecret, newRunId, roomId, sendChatId, signalGroupId, userId,
} from './ids.mjs';
import { calibrate, describeMachine } from './machine.mjs';
import { startMeter } from './meter.mjs';
import { parseOptions, USAGE } from './options.mjs';
import { killAllOnExit } from './processes.mjs';
import { summarizeProfile } from './profile.mjs';
import { writeReport } from './report.mjs';
import { connectionsScenario } from './scenarios/connections.mjs';
import { crowdScenario, socketsPerProcess } from './scenarios/crowd.mjs';
import { deliveryScenario } from './scenarios/delivery.mjs';
import { durabilityScenario } from './scenarios/durability.mjs';
import { historyScenario } from './scenarios/history.mjs';
import { searchScenario } from './scenarios/search.mjs';
import { SIGNALS_GRACE_MS, signalsScenario } from './scenarios/signals.mjs';
import { throughputScenario, WARMUP_MS } from './scenarios/throughput.mjs';
import { serverCores, workersScenario } from './scenarios/workers.mjs';
import { seedPlan, seedSql } from './seed.mjs';
import { SERVER_CORE, startBaseline, startParley } from './server-process.mjs';

const LOAD_CORE = 1;
const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(benchDir, '..');
const resultsDir = join(benchDir, 'results');

let options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  console.error(error.message);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
const serverEntry = resolve(repoRoot, options.server);
if (!existsSync(serverEntry)) {
  console.error(`bench: ${options.server} is missing; run \`npm run build\` first (npm run bench does).`);
  process.exit(2);
}
mkdirSync(resultsDir, { recursive: true });
// Server logs are appended to across the starts of one run; they start empty each run.
for (const file of readdirSync(resultsDir)) if (file.endsWith('.log')) rmSync(join(resultsDir, file));
killAllOnExit();
// The orchestrator is a client too: it moves itself (all threads) to the load core.
execFileSync('taskset', ['-a', '-p', '-c', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' });

const began = now();
const elapsed = () => `${((now() - began) / 1000).toFixed(0).padStart(4)} s`;
const log = (line) => console.log(`[bench ${elapsed()}] ${line}`);

const runId = newRunId();
const secret = newJwtSecret();
const results = {
  date: new Date().toISOString(),
  command: `npm run bench${options.argv.length ? ` -- ${options.argv.join(' ')}` : ''}`,
  server: relative(repoRoot, serverEntry),
  machine: describeMachine(),
  coreSplit: {
    serverCore: SERVER_CORE,
    loadCore: LOAD_CORE,
    text: `server under test (Parley or the ws baseline) alone on core ${SERVER_CORE} (taskset -c ${SERVER_CORE}); orchestrator and all load-generating client processes on core ${LOAD_CORE} (taskset -c ${LOAD_CORE}). PostgreSQL and Redis are not pinned (they are system services). Exception: the WORKERS=2 runs pin Parley to cores ${serverCores(2)}, so its second worker shares core ${LOAD_CORE} with the load generators.`,
  },
  settings: {
    scenarios: [...options.only],
    engines: options.engines,
    subscribers: options.subscribers,
    connections: options.connections,
    crowd: options.crowd,
    crowdMessages: options.crowdMessages,
    history: options.history,
    historyRequests: options.historyRequests,
    searchRequests: options.searchRequests,
    throughputSeconds: options.durationMs / 1000,
    throughputWarmupSeconds: WARMUP_MS / 1000,
    clients: options.clients,
    rate: options.rate,
    latencySeconds: options.latencyMs / 1000,
    saturationSeconds: options.saturationMs / 1000,
    profileSeconds: options.profileMs / 1000,
    signalUsers: options.signalUsers,
    signalRate: options.signalRate,
    signalsSeconds: options.signalsMs / 1000,
  },
  baseline: null,
  engines: {},
};

const context = (server) => ({ benchDir, server, runId, secret, options, log });

/** Runs one scenario; a failure is recorded in the results rather than ending the run. */
async function attempt(name, fn) {
  try {
    return await fn();
  } catch (error) {
    log(`  ${name} failed: ${error.message}`);
    return { error: error.message.split('\n')[0] };
  }
}

async function runBaseline() {
  log(`baseline: minimal ws broadcast server on core ${SERVER_CORE}`);
  const server = await startBaseline({ benchDir, logFile: join(resultsDir, 'baseline.log'), maxSeconds: 1800 });
  const figures = {};
  try {
    for (const count of options.subscribers) {
      figures[count] = await attempt(`baseline ${count}`, () => deliveryScenario(context(server), { count, afterSeq: 0, tag: 'baseline' }));
    }
  } finally {
    await server.stop();
  }
  return figures;
}

/** The last seq of a chat, so a subscriber can ask to replay exactly one message (proof that it is live). */
async function lastSeq(server, token, chatId) {
  const http = graphqlClient(server.httpUrl);
  try {
    const { body } = await http.post(LAST_SEQ, { chatId }, token);
    if (errorCode(body)) throw new Error(`messages(last: 1) failed: ${JSON.stringify(body.errors)}`);
    return body.data.messages.edges[0]?.node.seq ?? 0;
  } finally {
    http.close();
  }
}

/** One real login per run: the seeded password works and Parley's own token opens the seeded chats. */
async function checkLogin(server) {
  const http = graphqlClient(server.httpUrl);
  try {
    const startedAt = now();
    const { body } = await http.post('mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: `${runId}_0`, p: BENCH_PASSWORD });
    if (errorCode(body)) throw new Error(`login failed: ${JSON.stringify(body.errors)}`);
    const loginMs = now() - startedAt;
    await lastSeq(server, body.data.login.token, historyChatId(runId));
    return { ok: true, loginMs: Math.round(loginMs) };
  } finally {
    http.close();
  }
}

async function deliveryAt(server, count, extra) {
  const seq = await lastSeq(server, mintToken(secret, userId(runId, count)), fanoutId(runId, count));
  return deliveryScenario(context(server), { count, afterSeq: seq - 1, tag: 'parley', ...extra });
}

async function runEngine(engine) {
  const figures = { label: engine.label };
  const wants = (s) => options.only.has(s);
  const plan = seedPlan({
    connections: wants('connections') ? options.connections : 0,
    subscribers: wants('latency') || wants('profile') ? options.subscribers : wants('workers') && engine.name === 'postgres' ? [Math.max(...options.subscribers)] : [],
    clients: wants('throughput') || wants('profile') || (wants('durability') && engine.name === 'embedded') || (wants('workers') && engine.name === 'postgres') ? options.clients : 0,
    history: wants('history') || wants('search') ? options.history : 0,
    crowd: wants('crowd') ? options.crowd : 0,
    signalWatchers: wants('signals') ? options.signalUsers : 0,
  });
  const env = { ...engine.env, JWT_SECRET: secret };
  const logFile = join(resultsDir, `server-${engine.name}.log`);

  log(`${engine.name}: applying migrations (a first start of Parley)`);
  await (await startParley({ repoRoot, entry: serverEntry, env, logFile, maxSeconds: 600 })).stop();

  log(`${engine.name}: seeding ${plan.users} users, ${plan.rooms} rooms, ${plan.sendChats} send chats, ${plan.subscribers.length} fan-out chats, ${plan.history} history messages${plan.signals ? `, ${plan.signals.users} signal users in ${plan.signals.groups} groups` : ''}`);
  const seedStartedAt = now();
  await engine.runSql(seedSql(runId, plan, benchPasswordHash()), (statement, ms) => {
    if (ms > 2_000) log(`  ${(ms / 1000).toFixed(1)} s: ${statement.slice(0, 70)}…`);
  });
  figures.seed = { ...plan, seconds: Number(((now() - seedStartedAt) / 1000).toFixed(1)) };
  engine.rememberChats?.([
    ...Array.from({ length: plan.rooms }, (_, r) => roomId(runId, r)),
    ...Array.from({ length: plan.sendChats }, (_, t) => sendChatId(runId, t)),
    ...plan.subscribers.map((n) => fanoutId(runId, n)),
    ...(plan.crowd > 0 ? [crowdChatId(runId)] : []),
    ...Array.from({ length: plan.signals?.groups ?? 0 }, (_, g) => signalGroupId(runId, g)),
    historyChatId(runId),
  ]);

  const server = await startParley({ repoRoot, entry: serverEntry, env, logFile, maxSeconds: 3600 });
  log(`${engine.name}: Parley pid ${server.pid} on core ${SERVER_CORE}, port ${server.port}`);
  try {
    figures.login = await attempt('login check', () => checkLogin(server));
    // History first, on a fresh server: page latency is not to be mixed up with garbage left by fan-out.
    if (wants('history')) {
      log(`${engine.name}: history, ${options.history} messages`);
      figures.history = await attempt('history', () => historyScenario(context(server)));
    }
    if (wants('search')) {
      log(`${engine.name}: search over ${options.history} messages`);
      figures.search = await attempt('search', () => searchScenario(context(server)));
    }
    if (wants('connections')) {
      log(`${engine.name}: connections`);
      figures.connections = await attempt('connections', () => connectionsScenario(context(server)));
    }
    if (wants('throughput')) {
      log(`${engine.name}: send throughput, ${options.clients} clients`);
      figures.throughput = await attempt('throughput', () => throughputScenario(context(server)));
    }
    if (wants('latency')) {
      figures.delivery = {};
      for (const count of options.subscribers) {
        log(`${engine.name}: delivery, ${count} subscriber(s)`);
        figures.delivery[count] = await attempt(`delivery ${count}`, () => deliveryAt(server, count));
      }
    }
  } finally {
    await server.stop();
  }

  // On a server of its own, so its memory per connection starts from a fresh process.
  // Past one process's open-files limit, PostgreSQL + Redis spreads the sockets over WORKERS (all on the
  // server core, so the server still has one core); embedded mode is one process and connects what fits.
  if (wants('crowd')) {
    const perProcess = socketsPerProcess(results.machine.openFilesLimit);
    const count = engine.name === 'embedded' ? Math.min(options.crowd, perProcess) : options.crowd;
    const workers = Math.ceil(count / perProcess);
    log(`${engine.name}: ${count} connections in one chat, WORKERS=${workers} on core ${SERVER_CORE} (at most ${perProcess} sockets per process under the open-files limit ${results.machine.openFilesLimit})`);
    const server = await startParley({ repoRoot, entry: serverEntry, env: { ...env, WORKERS: String(workers) }, logFile, maxSeconds: 7200 });
    try {
      figures.crowd = await attempt('crowd', () => crowdScenario({ ...context(server), count, messages: options.crowdMessages, workers }));
    } finally {
      await server.stop();
    }
  }
  // On a server of its own: a short presence grace there, the default everywhere else.
  if (wants('signals')) {
    log(`${engine.name}: typing and presence, ${options.signalUsers} connected users (PRESENCE_GRACE_MS=${SIGNALS_GRACE_MS})`);
    const server = await startParley({ repoRoot, entry: serverEntry, env: { ...env, PRESENCE_GRACE_MS: String(SIGNALS_GRACE_MS) }, logFile, maxSeconds: 900 });
    try {
      figures.signals = await attempt('signals', () => signalsScenario(context(server)));
    } finally {
      await server.stop();
    }
  }
  // WORKERS=1 and WORKERS=2, each on a server of its own; embedded mode refuses WORKERS>1.
  if (wants('workers') && engine.name === 'postgres') {
    const count = Math.max(...options.subscribers);
    log(`${engine.name}: WORKERS=1 (core ${serverCores(1)}) and WORKERS=2 (cores ${serverCores(2)}, the second shared with the load generators): send throughput and delivery at saturation with ${count} subscribers`);
    figures.workers = await attempt('workers', () =>
      workersScenario({ repoRoot, entry: serverEntry, env, logFile, context, log, count, deliver: (server, extra) => deliveryAt(server, count, extra) }),
    );
  }
  if (wants('durability') && engine.name === 'embedded') {
    log(`${engine.name}: durability, send throughput with PGLITE_FSYNC=on and =off`);
    figures.durability = await attempt('durability', () =>
      durabilityScenario({ repoRoot, entry: serverEntry, env, logFile, context, log }),
    );
  }
  if (wants('profile')) figures.profile = await attempt('profile', () => profileEngine(engine, env, logFile));
  return figures;
}

/**
 * A second, profiled server (`node --cpu-prof`) runs send throughput, then
 * delivery at saturation with the largest subscriber count, then the history
 * pages; the profile is cut into one window per scenario. Its figures are not the reported ones: the
 * profiler costs a little.
 */
async function profileEngine(engine, env, logFile) {
  const count = Math.max(...options.subscribers);
  const name = `parley-${engine.name}.cpuprofile`;
  log(`${engine.name}: profiling (node --cpu-prof) send throughput, delivery at saturation with ${count} subscribers, history`);
  const server = await startParley({ repoRoot, entry: serverEntry, env, logFile, maxSeconds: 1200, cpuProfile: { dir: resultsDir, name } });
  const windows = {};
  try {
    const throughputFrom = process.hrtime.bigint() / 1000n + BigInt(WARMUP_MS * 1000);
    await throughputScenario({ ...context(server), durationMs: options.profileMs, tag: 'profile' });
    windows.throughput = [throughputFrom, process.hrtime.bigint() / 1000n];
    const delivery = await deliveryAt(server, count, { phases: ['saturate'], saturationMs: options.profileMs, tag: 'profile' });
    windows.saturation = delivery.saturate.profileWindowMicros.map(BigInt);
    if (options.only.has('history') && options.history >= 100) {
      const historyFrom = process.hrtime.bigint() / 1000n;
      await historyScenario(context(server));
      windows.history = [historyFrom, process.hrtime.bigint() / 1000n];
    }
  } finally {
    await server.stop();
  }
  const file = join(resultsDir, name);
  const summary = { file: relative(repoRoot, file), subscribers: count };
  for (const [scenario, [from, to]] of Object.entries(windows)) {
    summary[scenario] = summarizeProfile(file, { fromMicros: Number(from), toMicros: Number(to) });
  }
  log(`  profile written to ${summary.file}`);
  return summary;
}

/** Other work on the machine skews every figure: measure it before starting, and say so. */
async function backgroundLoad() {
  const meter = startMeter(null);
  await new Promise((r) => setTimeout(r, 2_000));
  const { core0, core1 } = meter();
  return { core0, core1 };
}

try {
  log(`run ${runId}: ${results.machine.cpuModel}, ${results.machine.cores} cores, Node ${results.machine.node}`);
  if (options.connections > (results.machine.openFilesLimit ?? Infinity) - 500) {
    log(`warning: --connections=${options.connections} is close to the open-files limit (${results.machine.openFilesLimit}) of the server process`);
  }
  results.machine.backgroundLoad = await backgroundLoad();
  results.machine.speedBefore = await calibrate(benchDir);
  const { core0, core1 } = results.machine.backgroundLoad;
  log(`background load before the run: core 0 ${Math.round(core0 * 100)}%, core 1 ${Math.round(core1 * 100)}%${Math.max(core0, core1) > 0.1 ? ' (other work is running: figures will be lower than on a quiet machine)' : ''}`);
  if (options.only.has('baseline') && options.subscribers.length > 0) results.baseline = await runBaseline();
  for (const name of options.engines) {
    let engine;
    if (name === 'embedded') engine = await embeddedEngine();
    else {
      const reachable = await postgresReachable(options.postgresUrl, options.redisUrl);
      if (!reachable.ok) {
        log(`postgres: skipped, PostgreSQL or Redis not reachable (${reachable.reason})`);
        results.engines.postgres = { skipped: `PostgreSQL (${options.postgresUrl}) or Redis (${options.redisUrl}) not reachable: ${reachable.reason}` };
        continue;
      }
      engine = await postgresEngine({ adminUrl: options.postgresUrl, redisUrl: options.redisUrl, runId, versions: reachable });
    }
    try {
      results.engines[name] = await runEngine(engine);
    } catch (error) {
      log(`${name}: failed: ${error.message}`);
      results.engines[name] = { label: engine.label, error: error.message.split('\n')[0] };
    } finally {
      if (!options.keep) await engine.cleanup().catch((error) => log(`${name}: cleanup failed: ${error.message}`));
    }
  }
} finally {
  results.machine.speedAfter = await calibrate(benchDir).catch(() => null);
  results.wallSeconds = Math.round((now() - began) / 1000);
  const defaultOut = join(repoRoot, 'BENCHMARKS.md');
  const out = options.out ? resolve(options.out) : defaultOut;
  const written = writeReport(results, { resultsDir, out, defaultOut, notesFile: join(benchDir, 'notes.md') });
  log(`done in ${results.wallSeconds} s; wrote ${written.map((f) => relative(repoRoot, f)).join(' and ')}`);
}
