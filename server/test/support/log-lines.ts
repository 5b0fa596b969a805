import { createLogger, type Logger } from '../../src/observability/log.js';

/** One JSON line as Parley writes it: pino's fields plus whatever the call site added. */
export type LogLine = Record<string, unknown> & { level: string; msg: string };

/**
 * A real pino logger (Parley's settings: redaction, scope fields) writing its
 * JSON lines into an array instead of stdout, so a test reads exactly what an
 * operator's collector would.
 */
export function recordingLogger(level: 'debug' | 'info' | 'warn' = 'debug'): { logger: Logger; lines: LogLine[]; text: () => string } {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const logger = createLogger(
    { level, format: 'json' },
    {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line) as LogLine);
      },
    },
  );
  return { logger, lines, text: () => raw.join('') };
}
