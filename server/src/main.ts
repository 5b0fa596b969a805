import { startParley } from './app.js';
import { createLogger } from './observability/log.js';
import { configOrExit, exitOnStartFailure, stopOnSignals } from './support/process-lifecycle.js';

const config = configOrExit('parley');
const logger = createLogger(config.log);
try {
  const parley = await startParley(config, logger);
  // Before the line that says it is up: a SIGTERM right after it must shut down gracefully, not kill.
  stopOnSignals(() => parley.close(), logger);
  logger.info({ url: parley.url }, `Parley is listening on ${parley.url} (HTTP and WebSocket)`);
} catch (error) {
  exitOnStartFailure('parley', error, logger);
}
