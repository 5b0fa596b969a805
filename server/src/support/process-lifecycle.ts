import { ConfigError, loadConfig, type Config, type LoadOptions } from '../config/config.js';
import type { Logger } from '../observability/log.js';
import { errorMessage } from './error-text.js';
import { ShutdownTimeout } from './shutdown.js';

/** Reads the environment once; a bad value ends the process with one line naming it. */
export function configOrExit(label: string, env: NodeJS.ProcessEnv = process.env, options?: LoadOptions): Config {
  try {
    return loadConfig(env, options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${label}: invalid configuration: ${error.message}`);
    process.exit(1);
  }
}

/**
 * Shuts down gracefully on the first SIGINT/SIGTERM, then exits: 0, or 1 with
 * one line when closing failed or outlived SHUTDOWN_TIMEOUT (`close` settles
 * within it, support/shutdown.ts), so a hung engine never keeps the process.
 */
export function stopOnSignals(close: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${signal} received, shutting down`);
    try {
      await close();
    } catch (error) {
      if (error instanceof ShutdownTimeout) logger.error({ timeoutMs: error.timeoutMs, stillOpen: error.stillOpen }, error.message);
      else logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

export function exitOnStartFailure(label: string, error: unknown, logger: Logger): never {
  logger.fatal({ error: errorMessage(error) }, `${label}: could not start: ${errorMessage(error)}`);
  process.exit(1);
}
