import { startParley } from './app.js';
import { consoleLogger } from './support/logger.js';
import { configOrExit, exitOnStartFailure, stopOnSignals } from './support/process-lifecycle.js';

const config = configOrExit('parley');
try {
  const parley = await startParley(config);
  consoleLogger.info(`Parley is listening on ${parley.url} (HTTP and WebSocket)`);
  stopOnSignals(() => parley.close(), consoleLogger);
} catch (error) {
  exitOnStartFailure('parley', error);
}
