import { ConfigError, loadConfig } from './config/config.js';
import { startParley } from './app.js';
import { consoleLogger } from './support/logger.js';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`parley: invalid configuration: ${error.message}`);
  process.exit(1);
}

try {
  const parley = await startParley(config);
  consoleLogger.info(`Parley is listening on ${parley.url} (HTTP and WebSocket)`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    consoleLogger.info(`${signal} received, shutting down`);
    await parley.close();
    consoleLogger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
} catch (error) {
  console.error(`parley: could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
