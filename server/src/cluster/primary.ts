import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/log.js';
import { startMetricsServer, type MetricsServer } from '../observability/metrics-server.js';
import { errorMessage } from '../support/error-text.js';
import { ClusterMetrics } from './metrics.js';

/*
 * WORKERS>1: this process serves nothing itself. It forks the workers, each
 * a whole Parley instance (main.ts) on the shared PostgreSQL and Redis; they
 * listen on one port, and Node's cluster module hands each new connection to
 * the next worker in turn (round-robin, its default on Linux). The primary
 * replaces a worker that dies, stops them all on SIGTERM/SIGINT, and serves
 * the workers' metrics aggregated (metrics.ts).
 */

/** Set in each worker's environment: a cluster worker forked by this primary (not by pm2 or another tool). */
export const WORKER_ENV = 'PARLEY_CLUSTER_WORKER';

/** What a worker tells the primary once it serves. */
export interface ReadyMessage {
  parley: 'ready';
  url: string;
}

const isReady = (message: unknown): message is ReadyMessage => (message as { parley?: unknown } | null)?.parley === 'ready';

/** Deaths within this window count towards the next replacement's delay. */
const DEATH_WINDOW_MS = 60_000;
/** The longest wait before a replacement. */
const MAX_RESTART_DELAY_MS = 30_000;
/** With no worker left, this many replacements in a row that die before they serve end the primary. */
const MAX_START_FAILURES = 5;
/** Beyond SHUTDOWN_TIMEOUT (which each worker keeps on its own): time for the processes to exit. */
const EXIT_MARGIN_MS = 2_000;

/** At once for the first death in a minute, then 1 s, 2 s, 4 s … up to 30 s. */
export const restartDelayMs = (deathsInWindow: number): number =>
  deathsInWindow <= 1 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** (deathsInWindow - 2));

export async function runPrimary(config: Config, baseLogger: Logger): Promise<void> {
  const logger = baseLogger.child({ process: 'primary' });
  const ready = new Map<number, Worker>();
  const metrics = new ClusterMetrics(() => [...ready.values()]);
  let metricsServer: MetricsServer | null = null;
  let serving = false;
  let stopping = false;
  /** Set when the primary stops because workers could not start: it then exits 1 whatever the others do. */
  let failed = false;
  let startFailures = 0;
  let deaths: number[] = [];
  const restarts = new Set<NodeJS.Timeout>();
  const stopCodes: (number | null)[] = [];

  const finish = async (code: number) => {
    await metricsServer?.close().catch(() => undefined);
    if (code === 0) logger.info('stopped');
    process.exit(code);
  };
  const alive = () => Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);

  const fork = () => {
    const worker = cluster.fork({ [WORKER_ENV]: '1' });
    logger.info({ worker: worker.id, workerPid: worker.process.pid }, 'worker started');
    worker.on('message', (message: unknown) => {
      if (!isReady(message)) return;
      ready.set(worker.id, worker);
      startFailures = 0;
      if (!serving && ready.size === config.workers) {
        serving = true;
        // The line tools wait for (as with one process): every worker serves now.
        logger.info({ url: message.url, workers: config.workers, ...(metricsServer ? { metricsUrl: metricsServer.url } : {}) }, `Parley is listening on ${message.url} (HTTP and WebSocket, ${config.workers} workers)`);
      } else if (serving) logger.info({ worker: worker.id, workerPid: worker.process.pid }, 'worker replaced');
    });
  };

  const exitCode = () => (!failed && stopCodes.every((code) => code === 0) ? 0 : 1);
  const stop = (why: string, fields: Record<string, unknown> = {}) => {
    if (stopping) return;
    stopping = true;
    for (const timer of restarts) clearTimeout(timer);
    const workers = alive();
    logger.info({ ...fields, workers: workers.length }, `${why}, shutting down`);
    if (workers.length === 0) return void finish(exitCode());
    // Each worker shuts down gracefully within SHUTDOWN_TIMEOUT and exits 1 past it; this bounds the rest.
    const deadline = setTimeout(() => {
      const left = alive();
      logger.error({ timeoutMs: config.shutdownTimeoutMs, stillRunning: left.map((w) => w.process.pid) }, `workers still running ${config.shutdownTimeoutMs / 1000}s after the shutdown began: killed`);
      for (const worker of left) worker.process.kill('SIGKILL');
      void finish(1);
    }, config.shutdownTimeoutMs + EXIT_MARGIN_MS);
    deadline.unref();
    for (const worker of workers) worker.process.kill('SIGTERM');
  };

  cluster.on('exit', (worker, code, signal) => {
    const wasReady = ready.delete(worker.id);
    const fields = { worker: worker.id, workerPid: worker.process.pid, code, signal };
    if (stopping) {
      stopCodes.push(code);
      logger.info(fields, 'worker stopped');
      if (alive().length === 0) void finish(exitCode());
      return;
    }
    logger.error(fields, wasReady ? 'worker exited unexpectedly' : 'worker exited before it was ready');
    if (!serving) {
      // As a single process that cannot start: the cause is in the worker's own fatal line.
      logger.fatal(fields, `parley: could not start: worker ${worker.id} exited (${signal ?? code}) before it was ready`);
      failed = true;
      stop('a worker could not start');
      return;
    }
    if (!wasReady) startFailures++;
    if (alive().length === 0 && startFailures >= MAX_START_FAILURES) {
      logger.fatal({ startFailures }, `parley: no worker left and ${startFailures} replacements in a row died before they were ready; giving up`);
      failed = true;
      stop('no worker could be replaced');
      return;
    }
    const now = Date.now();
    deaths = [...deaths.filter((at) => now - at < DEATH_WINDOW_MS), now];
    const delayMs = restartDelayMs(deaths.length);
    logger.info({ worker: worker.id, delayMs }, delayMs === 0 ? 'replacing the worker' : `replacing the worker in ${delayMs / 1000}s`);
    const timer = setTimeout(() => {
      restarts.delete(timer);
      if (stopping) return;
      metrics.restarted();
      fork();
    }, delayMs);
    restarts.add(timer);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop(`${signal} received`, { signal }));

  try {
    if (config.metricsPort !== undefined) metricsServer = await startMetricsServer(metrics, config.metricsPort, config.host);
  } catch (error) {
    logger.fatal({ error: errorMessage(error) }, `parley: could not start: ${errorMessage(error)}`);
    process.exit(1);
  }
  // Connections go round-robin: Node's default everywhere but Windows (NODE_CLUSTER_SCHED_POLICY overrides it).
  for (let i = 0; i < config.workers; i++) fork();
}
