/** Every setting Parley reads from the environment, parsed once at start-up. */
export interface Config {
  production: boolean;
  port: number;
  dataDir: string;
  /** Unset: embedded PGlite under `dataDir`. */
  databaseUrl?: string;
  /** Unset: in-process realtime bus. */
  redisUrl?: string;
  /** Unset: in-process event log. */
  kafkaBrokers?: string[];
  /** Unset: messages live in the relational database. */
  mongoUrl?: string;
  /** Unset outside production: generated once and kept in `dataDir`. */
  jwtSecret?: string;
  /** Connections per process to PostgreSQL. */
  databasePoolSize: number;
  /** Partitions of `parley.messages` when Parley creates the topic. */
  kafkaPartitions: number;
  /** 'inline': the API process runs the persister; 'external': `npm run persister` does. */
  persister: 'inline' | 'external';
  /** Sends per user, and login attempts per username, within a window; null: unlimited. */
  sendRateLimit: RateLimit | null;
  loginRateLimit: RateLimit | null;
  // --- write path ---
  /**
   * Embedded PGlite only (PGLITE_FSYNC): true, a send is acknowledged once its
   * WAL is flushed to disk; false, commits skip the flush (faster, and a power
   * loss or OS crash can lose the last acknowledged sends).
   */
  pgliteFsync: boolean;
}

export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** A bad environment value; its message is the one line printed before exiting. */
export class ConfigError extends Error {}

const urlWithScheme = (name: string, value: string, schemes: string[]): string => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a valid URL: ${JSON.stringify(value)}`);
  }
  if (!schemes.includes(url.protocol)) {
    throw new ConfigError(`${name} must start with ${schemes.map((s) => `${s}//`).join(' or ')}, got ${JSON.stringify(url.protocol)}`);
  }
  return value;
};

/** MongoDB URLs may list several hosts (`a:27017,b:27017`), which WHATWG URL rejects: check the scheme only. */
const mongoConnectionString = (value: string): string => {
  if (!/^mongodb(\+srv)?:\/\/[^/\s]+/.test(value)) {
    throw new ConfigError(`MONGO_URL must start with mongodb:// or mongodb+srv:// and name a host, got ${JSON.stringify(value.replace(/\/\/[^@/]*@/, '//***@'))}`);
  }
  return value;
};

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

const positiveInt = (name: string, value: string | undefined, fallback: number, max = 1_000_000): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) throw new ConfigError(`${name} must be an integer from 1 to ${max}, got ${JSON.stringify(value)}`);
  return n;
};

const onOff = (name: string, value: string | undefined, fallback: boolean): boolean => {
  if (value === undefined) return fallback;
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new ConfigError(`${name} must be on or off, got ${JSON.stringify(value)}`);
};

/** `<count>/<seconds>s`, e.g. `20/10s`; `off` disables the limit. */
const rateLimit = (name: string, value: string | undefined, fallback: string): RateLimit | null => {
  const text = value ?? fallback;
  if (text === 'off') return null;
  const match = /^(\d+)\/(\d+)s$/.exec(text);
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
    throw new ConfigError(`${name} must look like 20/10s (count per seconds) or off, got ${JSON.stringify(text)}`);
  }
  return { limit: Number(match[1]), windowMs: Number(match[2]) * 1000 };
};

export interface LoadOptions {
  /**
   * False for processes that never issue or verify a token (the chat summary
   * job): production then does not demand JWT_SECRET of them.
   */
  signsTokens?: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, { signsTokens = true }: LoadOptions = {}): Config {
  const production = env.NODE_ENV === 'production';

  const portText = nonEmpty(env.PORT) ?? '4000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new ConfigError(`PORT must be an integer from 0 to 65535, got ${JSON.stringify(env.PORT)}`);
  }

  const databaseUrl = nonEmpty(env.DATABASE_URL);
  const redisUrl = nonEmpty(env.REDIS_URL);
  const mongoUrl = nonEmpty(env.MONGO_URL);
  const brokersText = nonEmpty(env.KAFKA_BROKERS);
  const kafkaBrokers = brokersText?.split(',').map((b) => b.trim());
  if (kafkaBrokers?.some((b) => !/^[^\s:/]+:\d{1,5}$/.test(b))) {
    throw new ConfigError(`KAFKA_BROKERS must be a comma-separated list of host:port, got ${JSON.stringify(brokersText)}`);
  }

  const jwtSecret = nonEmpty(env.JWT_SECRET);
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new ConfigError('JWT_SECRET must be at least 32 characters long');
  }
  if (production && signsTokens && jwtSecret === undefined) {
    throw new ConfigError('JWT_SECRET is required when NODE_ENV=production');
  }

  const persister = nonEmpty(env.PERSISTER) ?? 'inline';
  if (persister !== 'inline' && persister !== 'external') {
    throw new ConfigError(`PERSISTER must be inline or external, got ${JSON.stringify(env.PERSISTER)}`);
  }
  if (persister === 'external') {
    // The persister runs elsewhere: the log, the database and live fan-out must all be shared engines.
    const missing = [
      ['KAFKA_BROKERS', kafkaBrokers],
      ['DATABASE_URL', databaseUrl],
      ['REDIS_URL', redisUrl],
    ].filter(([, value]) => value === undefined);
    if (missing.length > 0) {
      throw new ConfigError(`PERSISTER=external needs ${missing.map(([name]) => name).join(', ')}: an external persister shares the event log, the database and the realtime bus with the API`);
    }
  }

  return {
    production,
    port,
    dataDir: nonEmpty(env.DATA_DIR) ?? './.data',
    databaseUrl: databaseUrl && urlWithScheme('DATABASE_URL', databaseUrl, ['postgres:', 'postgresql:']),
    redisUrl: redisUrl && urlWithScheme('REDIS_URL', redisUrl, ['redis:', 'rediss:']),
    mongoUrl: mongoUrl && mongoConnectionString(mongoUrl),
    kafkaBrokers,
    jwtSecret,
    databasePoolSize: positiveInt('DATABASE_POOL_SIZE', nonEmpty(env.DATABASE_POOL_SIZE), 10, 1000),
    kafkaPartitions: positiveInt('KAFKA_PARTITIONS', nonEmpty(env.KAFKA_PARTITIONS), 6, 10_000),
    persister,
    sendRateLimit: rateLimit('SEND_RATE_LIMIT', nonEmpty(env.SEND_RATE_LIMIT), '30/10s'),
    loginRateLimit: rateLimit('LOGIN_RATE_LIMIT', nonEmpty(env.LOGIN_RATE_LIMIT), '10/60s'),
    // --- write path ---
    pgliteFsync: onOff('PGLITE_FSYNC', nonEmpty(env.PGLITE_FSYNC)?.toLowerCase(), true),
  };
}
