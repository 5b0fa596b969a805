import cluster from 'node:cluster';
import { runPrimary, WORKER_ENV, type ReadyMessage } from './cluster/primary.js';
import { createLogger } from './observability/log.js';
import { configOrExit, exitOnStartFailure, stopOnSignals } from './support/process-lifecycle.js';

const config = configOrExit('parley');
// A worker of our own primary (not of pm2 or another cluster tool, whose workers are plain instances).
const worker = cluster.isWorker && process.env[WORKER_ENV] === '1' ? cluster.worker! : null;
if (config.workers > 1 && cluster.isPrimary) {
  // The primary never loads the API (app.js): it forks, watches and stops the workers.
  await runPrimary(config, createLogger(config.log));
} else {
  const logger = worker ? createLogger(config.log).child({ worker: worker.id }) : createLogger(config.log);
  try {
    const { startParley } = await import('./app.js');
    const parley = await startParley(config, logger, { clusterWorker: worker !== null });
    // Before the line that says it is up: a SIGTERM right after it must shut down gracefully, not kill.
    stopOnSignals(() => parley.close(), logger);
    if (worker) {
      logger.info({ url: parley.url }, 'worker ready');
      process.send!({ parley: 'ready', url: parley.url } satisfies ReadyMessage);
    } else logger.info({ url: parley.url }, `Parley is listening on ${parley.url} (HTTP and WebSocket)`);
  } catch (error) {
    exitOnStartFailure('parley', error, logger);
  }
}
