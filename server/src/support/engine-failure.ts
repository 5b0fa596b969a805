import { DomainError } from '../domain/errors.js';

/*
 * Clients retry UNAVAILABLE and take INTERNAL_SERVER_ERROR as final, so an
 * engine that is down or overloaded must say UNAVAILABLE on every path, while
 * a bug (a SQL syntax error, a TypeError) must stay INTERNAL and be logged as
 * one. This is the one place that tells them apart; the composition root
 * wraps each engine-backed port with it, so no call site has to remember.
 */

/** Socket-level failures: the engine cannot be reached, or the connection broke. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATE classes that mean "the server cannot serve this now", not "this
 * statement is wrong": 08 connection exception, 40 transaction rollback
 * (serialization failure, deadlock: a retry succeeds), 53 insufficient
 * resources, 57 operator intervention (shutdown, statement timeout), 58
 * system error (I/O).
 */
const TRANSIENT_SQLSTATE_CLASSES = new Set(['08', '40', '53', '57', '58']);

/** What node-postgres says when a connection ends under it; these errors carry no code. */
const PG_CONNECTION_MESSAGES = [
  'Connection terminated',
  'connection error and is not queryable',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Client was closed and is not queryable',
];

/**
 * What ioredis says on a commands connection (fail-fast, command timeout) when
 * Redis is down, hung or dropped the connection: plain Errors without a code.
 */
const REDIS_CONNECTION_MESSAGES = ["Stream isn't writeable and enableOfflineQueue options is false", 'Command timed out', 'Connection is closed.'];

/** MongoDB driver errors for an unreachable, stepping-down or timed-out server. */
const MONGO_TRANSIENT = /^Mongo(Network|NetworkTimeout|ServerSelection|NotConnected|Topology|Pool|WaitQueueTimeout|OperationTimeout)\w*Error$/;

/** True when the error, or one it wraps, is an engine that cannot serve right now. */
export function isEngineFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const { code, name, message } = current as Error & { code?: unknown };
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code)) return true;
      if (/^[0-9A-Z]{5}$/.test(code) && TRANSIENT_SQLSTATE_CLASSES.has(code.slice(0, 2))) return true;
    }
    if (name === 'ConnectionException' || name === 'MaxRetriesPerRequestError' || MONGO_TRANSIENT.test(name)) return true;
    if (PG_CONNECTION_MESSAGES.some((text) => message.includes(text))) return true;
    if (REDIS_CONNECTION_MESSAGES.includes(message)) return true;
  }
  return false;
}

const databaseUnavailable = (cause: unknown) =>
  new DomainError('UNAVAILABLE', 'The database is unavailable right now; retry shortly', { cause });
const redisUnavailable = (cause: unknown) => new DomainError('UNAVAILABLE', 'Presence is unavailable right now; retry shortly', { cause });

function translate(error: unknown): never {
  if (!(error instanceof DomainError) && isEngineFailure(error)) {
    throw error instanceof Error && (REDIS_CONNECTION_MESSAGES.includes(error.message) || error.name === 'MaxRetriesPerRequestError') ? redisUnavailable(error) : databaseUnavailable(error);
  }
  throw error;
}

/**
 * The port with every method's engine failures turned into UNAVAILABLE (the
 * cause kept for the log); everything else passes unchanged, so callers still
 * see their own errors (a unique violation, a missing reference) and bugs
 * still surface as bugs.
 */
export function withEngineFailuresUnavailable<T extends object>(port: T): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(port, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== 'function') return value;
      let method = wrapped.get(key);
      if (!method) {
        const original = value as (...args: unknown[]) => unknown;
        method = (...args: unknown[]) => {
          try {
            const result = original.apply(target, args);
            return result instanceof Promise ? result.catch(translate) : result;
          } catch (error) {
            return translate(error);
          }
        };
        wrapped.set(key, method);
      }
      return method;
    },
  });
}
