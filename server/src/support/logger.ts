/** The little logging Parley does: one line per event, never secrets or message bodies. */
export interface Logger {
  /** Noise a client can cause at will (protocol mistakes): off unless LOG_LEVEL=debug. */
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const line = (level: string, message: string, fields?: Record<string, unknown>): string =>
  `${new Date().toISOString()} ${level} ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`;

const debugEnabled = process.env.LOG_LEVEL === 'debug';

export const consoleLogger: Logger = {
  debug: (m, f) => {
    if (debugEnabled) console.log(line('debug', m, f));
  },
  info: (m, f) => console.log(line('info', m, f)),
  warn: (m, f) => console.warn(line('warn', m, f)),
  error: (m, f) => console.error(line('error', m, f)),
};

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** An error's message alone: for expected failures, logged or printed without a stack. */
export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The message on one line, so a driver's multi-line error still prints as `label: …` on one line. */
export const oneLine = (error: unknown): string => errorMessage(error).replace(/\s+/g, ' ').trim();

export const errorFields = (error: unknown): Record<string, unknown> =>
  error instanceof Error ? { error: error.message, stack: error.stack } : { error: String(error) };
