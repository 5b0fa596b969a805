import type { MongoClientOptions } from 'mongodb';

/** Used when MONGO_URL names no database, e.g. `mongodb+srv://cluster.example.net`. */
export const DEFAULT_MONGO_DATABASE = 'parley';

/*
 * Parsed by hand: a replica set URL lists several hosts (`mongodb://a:27017,b:27017/parley`),
 * which WHATWG `URL` rejects. Credentials must be percent-encoded, so the
 * authority never holds a raw `/`, `?` or `@` of its own.
 */
const MONGO_URL = /^(mongodb(?:\+srv)?:\/\/)(?:([^@/?]*)@)?([^/?]*)(?:\/([^?]*))?(?:\?(.*))?$/;

/** The database named in the URL's path, or Parley's default. */
export function mongoDatabaseName(url: string): string {
  const path = MONGO_URL.exec(url)?.[4];
  if (!path) return DEFAULT_MONGO_DATABASE;
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // a stray `%`: the driver reports the URL itself more usefully than a URIError would
  }
}

/** The URL with its password hidden, for error messages and logs. */
export function redactMongoUrl(url: string): string {
  return url.replace(/^(mongodb(?:\+srv)?:\/\/)([^@/?:]*):[^@/?]*@/, '$1$2:***@');
}

/**
 * The driver waits 30 s for a server by default, and without `timeoutMS` an
 * operation on a mongod that accepted the connection but stopped answering
 * waits forever (a hung persister, with no error to log). Parley would rather
 * fail a start-up, a read or a persister batch within seconds and let the
 * caller retry. `timeoutMS` (client-side operation timeout, CSOT) bounds each
 * operation as a whole, server selection and the majority write concern's
 * wait included, so it leaves room for a slow replica set. Any of these set
 * in MONGO_URL itself wins, e.g. `?timeoutMS=30000`.
 */
const BOUNDS = { serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000, timeoutMS: 10_000 } as const;

export function mongoClientOptions(url: string): MongoClientOptions {
  const query = MONGO_URL.exec(url)?.[5] ?? '';
  const set = new Set(query.split('&').map((pair) => pair.split('=')[0].toLowerCase()));
  return Object.fromEntries(Object.entries(BOUNDS).filter(([name]) => !set.has(name.toLowerCase())));
}
