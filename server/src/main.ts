import { startParley } from './app.js';
import { createLogger } from './observability/log.js';
import { configOrExit, exitOnStartFailure, stopOnSignals } from './support/process-lifecycle.js';

const config = configOrExit('parley');
const logger = createLogger(config.log);
try {
  const parley = await startParley(config, logger);
  logger.info({ url: parley.url }, `Parley is listening on ${parley.url} (HTTP and WebSocket)`);
  stopOnSignals(() => parley.close(), logger);
} catch (error) {
  exitOnStartFailure('parley', error, logger);
}
