import { round } from '../stats.mjs';
import { SERVER_CORE, startParley } from '../server-process.mjs';
import { throughputScenario } from './throughput.mjs';

/**
 * WORKERS settings in the order they run: A B B A, so a drift of the
 * machine's speed during the run weighs on both alike (as durability.mjs).
 */
export const WORKERS_ORDER = [1, 2, 2, 1];

/**
 * The cores the server gets: WORKERS=1 the server core alone, as every other
 * row; WORKERS=N the first N cores. On the 2-core bench machine that is both:
 * the second worker then shares core 1 with the orchestrator and every load
 * generator, and PostgreSQL and Redis (unpinned) run wherever there is room.
 */
export const serverCores = (workers) => (workers === 1 ? String(SERVER_CORE) : Array.from({ length: workers }, (_, i) => i).join(','));

/**
 * PostgreSQL + Redis only (WORKERS>1 is refused in embedded mode). On a fresh
 * server per run: send throughput, then delivery at saturation with the
 * largest subscriber count (`deliver` runs the delivery scenario's saturation
 * phase against a server). CPU is the server's whole process tree's: with
 * WORKERS=2 the primary and both workers.
 */
export async function workersScenario({ repoRoot, entry, env, logFile, context, log, count, deliver }) {
  const runs = [];
  for (const workers of WORKERS_ORDER) {
    const cores = serverCores(workers);
    const tag = `workers-${workers}-${runs.length}`;
    const run = { workers, cores };
    runs.push(run);
    let server;
    try {
      server = await startParley({ repoRoot, entry, env: { ...env, WORKERS: String(workers) }, logFile, maxSeconds: 900, cores });
      log(`  WORKERS=${workers} (server on cores ${cores}): send throughput`);
      run.throughput = await throughputScenario({ ...context(server), tag });
      log(`  WORKERS=${workers}: delivery at saturation, ${count} subscribers`);
      run.saturate = (await deliver(server, { phases: ['saturate'], tag })).saturate;
    } catch (error) {
      log(`  WORKERS=${workers} failed: ${error.message}`);
      run.error = error.message.split('\n')[0];
    } finally {
      await server?.stop();
    }
  }
  const figures = { subscribers: count, runs };
  const mean = (values) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);
  for (const workers of new Set(WORKERS_ORDER)) {
    const mine = runs.filter((r) => r.workers === workers && !r.error);
    const of = (pick) => mean(mine.map(pick).filter((v) => typeof v === 'number'));
    figures[workers] = {
      runs: mine.length,
      acceptedPerSecond: round(of((r) => r.throughput?.acceptedPerSecond), 0),
      cpuMicrosPerSend: round(of((r) => r.throughput?.cpuMicrosPerSend), 1),
      deliveriesPerSecond: round(of((r) => r.saturate?.deliveriesPerSecond), 0),
      saturationSendsPerSecond: round(of((r) => r.saturate?.acceptedPerSecond), 0),
      cpuMicrosPerDelivery: round(of((r) => r.saturate?.cpuMicrosPerDelivery), 2),
    };
  }
  return figures;
}
