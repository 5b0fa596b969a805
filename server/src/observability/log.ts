import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

export const LOG_LEVELS: readonly (Level | 'silent')[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LogSettings {
  level: Level | 'silent';
  format: LogFormat;
}

/**
 * Fields of the request or socket a line is written for: pino's mixin adds them
 * to every line written while it is handled, including lines from services and
 * adapters that know nothing of requests (a Redis warning during a send says
 * which request met it).
 */
export interface ScopeFields {
  reqId: string;
  /** The authenticated user, once known. */
  userId?: string;
  /** The GraphQL operation's name (or its type, when unnamed), once chosen. */
  operation?: string;
}

const scope = new AsyncLocalStorage<ScopeFields>();

/** Runs `work` with `fields` on every line it logs; the fields object may gain a userId or operation once known. */
export function inLogScope<T>(fields: ScopeFields, work: () => T): T {
  return scope.run(fields, work);
}

/**
 * Runs `work` outside any request's scope: for work one request starts on
 * behalf of many (a batch that later requests join), whose lines belong to
 * none of them.
 */
export function outsideLogScope<T>(work: () => T): T {
  return scope.exit(work);
}

/** The request or socket being handled, if any: to record who it turned out to be. */
export function currentLogScope(): ScopeFields | undefined {
  return scope.getStore();
}

/*
 * Never in a line, whatever a caller passes: credentials and what people wrote.
 * Parley's own lines carry none of these; the list guards against a field
 * added later, and against driver errors that echo their input.
 */
const REDACTED = [
  'password',
  'token',
  'authorization',
  'body',
  'variables',
  '*.password',
  '*.token',
  '*.authorization',
  '*.body',
  '*.variables',
  // A Redis error carries the command it answered, arguments and all: AUTH's are the password.
  'err.command.args',
  'err.lastNodeError.command.args',
];

/**
 * Parley's logger: JSON lines on stdout (one object per line, `time` in epoch
 * ms, `level` as a label) for a collector; human-readable lines through
 * pino-pretty for a person at a terminal.
 */
export function createLogger(settings: LogSettings, destination?: DestinationStream): Logger {
  const stream = destination ?? (settings.format === 'pretty' ? pretty({ sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }) : undefined);
  return pino(
    {
      level: settings.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED, censor: '[redacted]' },
      // A copy: pino merges each line's own fields into what the mixin returns, which must not reach the scope.
      mixin: () => {
        const fields = scope.getStore();
        return fields ? { ...fields } : {};
      },
    },
    // Synchronous writes to stdout (pino's default): a crash or process.exit never loses the last lines.
    stream ?? pino.destination(1),
  );
}

/** For tests and tools that must say nothing. */
export const silentLogger: Logger = pino({ level: 'silent' });
