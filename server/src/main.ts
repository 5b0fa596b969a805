import { startParley } from './app.js';
import { consoleLogger } from './support/logger.js';
import { configOrExit, exitOnStartFailure, stopOnSignals } from './support/process-lifecycle.js';

const config = configOrExit('parley');
try {
  const parley = await startParley(config);
  // Before the line that says it is up: a SIGTERM right after it must shut down gracefully, not kill.
  stopOnSignals(() => parley.close(), consoleLogger);
  consoleLogger.info(`Parley is listening on ${parley.url} (HTTP and WebSocket)`);
} catch (error) {
  exitOnStartFailure('parley', error);
}
