/** The little logging Parley does: one line per event, never secrets or message bodies. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const line = (level: string, message: string, fields?: Record<string, unknown>): string =>
  `${new Date().toISOString()} ${level} ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`;

export const consoleLogger: Logger = {
  info: (m, f) => console.log(line('info', m, f)),
  warn: (m, f) => console.warn(line('warn', m, f)),
  error: (m, f) => console.error(line('error', m, f)),
};

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** An error's message alone: for expected failures, logged or printed without a stack. */
export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The message on one line, so a driver's multi-line error still prints as `label: …` on one line. */
export const oneLine = (error: unknown): string => errorMessage(error).replace(/\s+/g, ' ').trim();

export const errorFields = (error: unknown): Record<string, unknown> =>
  error instanceof Error ? { error: error.message, stack: error.stack } : { error: String(error) };
