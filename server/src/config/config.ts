import { availableParallelism } from 'node:os';
import { parseMessageKeys, type MessageKey } from '../encryption/message-cipher.js';
import { parseCorsOrigins } from '../http/cors.js';
import { LOG_LEVELS, type LogSettings } from '../observability/log.js';
import { DATABASE_CONNECT_TIMEOUT_MS, DATABASE_STATEMENT_TIMEOUT_MS, REDIS_COOLDOWN_MS } from './tuning.js';

/** Every setting Parley reads from the environment, parsed once at start-up. */
export interface Config {
  production: boolean;
  port: number;
  /** LOG_LEVEL and LOG_FORMAT. */
  log: LogSettings;
  /** The address to listen on; unset: every interface (what a container needs). */
  host?: string;
  /** METRICS_PORT: serve /metrics only on this port (not on `port`); unset: on `port`. The persister's default is its own (observability/metrics-server.ts). */
  metricsPort?: number;
  dataDir: string;
  /** Unset: embedded PGlite under `dataDir`. */
  databaseUrl?: string;
  /** Unset: in-process realtime bus (unless `redisClusterNodes`). */
  redisUrl?: string;
  /**
   * REDIS_CLUSTER_NODES: a Redis Cluster (Redis >= 7) instead of one Redis,
   * for everything REDIS_URL enables; the nodes are where the client starts,
   * it learns the rest from the cluster. Never set together with `redisUrl`.
   */
  redisClusterNodes?: RedisNode[];
  /** REDIS_CLUSTER_USERNAME, REDIS_CLUSTER_PASSWORD, REDIS_CLUSTER_TLS: how every node of the cluster is reached. */
  redisClusterAccess?: RedisClusterAccess;
  /** Unset: in-process event log. */
  kafkaBrokers?: string[];
  /** Unset: messages live in the relational database. */
  mongoUrl?: string;
  /** Unset outside production: generated once and kept in `dataDir`. */
  jwtSecret?: string;
  /**
   * MESSAGE_KEYS: message bodies are sealed with the first key before they
   * reach the event log and the store, and opened with whichever key sealed
   * them. Null: bodies are stored as plain text.
   */
  messageKeys: MessageKey[] | null;
  /**
   * WORKERS: API processes behind one port (node:cluster, server/src/cluster/).
   * 1: one process and no primary, as ever. More needs DATABASE_URL and REDIS_URL.
   */
  workers: number;
  /** Connections per process to PostgreSQL. */
  databasePoolSize: number;
  /** How long opening a PostgreSQL connection (or waiting for a free one in the pool) may take before UNAVAILABLE. */
  databaseConnectTimeoutMs: number;
  /**
   * How long one PostgreSQL statement may run (server side, statement_timeout)
   * and how long the client waits for its answer (a hung server or a dead route
   * never answers), before UNAVAILABLE.
   */
  databaseStatementTimeoutMs: number;
  /** Partitions of `parley.messages` when Parley creates the topic. */
  kafkaPartitions: number;
  /** 'inline': the API process runs the persister; 'external': `npm run persister` does. */
  persister: 'inline' | 'external';
  /** Sends per user within a window; null: unlimited. */
  sendRateLimit: RateLimit | null;
  /** Failed logins per username within a window; past it only addresses with no recent failure may try. Null: unlimited. */
  loginRateLimit: RateLimit | null;
  /** Failed (and in-flight) logins per client address within a window; null: unlimited. */
  loginIpRateLimit: RateLimit | null;
  /** Successful (and in-flight) logins per client address within a window, so a stolen password list is checked no faster; null: unlimited. */
  loginSuccessRateLimit: RateLimit | null;
  /** Chats (direct or group) one user may create within a window; opening an existing direct chat is not counted. Null: unlimited. */
  chatCreateRateLimit: RateLimit | null;
  /** Signups per client address within a window, each aliased signup counted; null: unlimited. */
  signupRateLimit: RateLimit | null;

  // Live delivery and engine failures.
  /**
   * How often each API instance compares the chats its live subscriptions
   * watch with the database (one query for all of them): a stored message
   * whose publish was lost reaches its subscribers within two intervals, and a
   * leaver whose leave was never published is cut off within one.
   */
  liveCheckIntervalMs: number;
  /**
   * How long a chat's live event is held on this instance while the one
   * before it has not arrived (BUS_REORDER_WAIT_MS): publishes from different
   * processes can overtake each other on the bus. Past it the missing events
   * are read from the store, once for all the chat's streams here.
   */
  busReorderWaitMs: number;
  /** How long someone shows as typing without renewing it (TYPING_TIMEOUT). */
  typingTimeoutMs: number;
  /** A user whose last socket on an instance closed stays online this long, so a quick reconnect shows no offline/online pair (PRESENCE_GRACE_MS). */
  presenceGraceMs: number;
  /** How often an instance beats in Redis; one that misses three beats has its users taken offline at another's next beat (PRESENCE_HEARTBEAT_MS). */
  presenceHeartbeatMs: number;
  /** How long a membership or rate-limit command waits on Redis before the database answers instead; also how long a mutation waits for its live announcement (chatJoined, chatRead, memberLeft) to be published. */
  redisCommandTimeoutMs: number;
  /** After a failed Redis command, membership and rate limits skip Redis this long instead of each waiting for the timeout. */
  redisCooldownMs: number;
  /**
   * With DATABASE_URL and no REDIS_URL live messages stay in their instance, so
   * such an instance must be alone on its database: a second instance, with or
   * without Redis, refuses to start (and so does one without Redis next to
   * ones with it). False (SINGLE_INSTANCE_CHECK=off) lets this instance start
   * anyway and takes no part in the check.
   */
  singleInstanceCheck: boolean;
  /**
   * SHUTDOWN_TIMEOUT: the longest a graceful shutdown may take, in-flight
   * requests and sockets first (support/shutdown.ts requestGraceOf), then the
   * event log and the engines; past it the process exits anyway, with 1.
   */
  shutdownTimeoutMs: number;
  // Write path.
  /**
   * Embedded PGlite only (PGLITE_FSYNC): true, a send is acknowledged once its
   * WAL is flushed to disk; false, commits skip the flush (faster, and a power
   * loss or OS crash can lose the last acknowledged sends).
   */
  pgliteFsync: boolean;
  /** How clients reach Parley: request sizes, proxies, sockets, tokens. */
  edge: EdgeConfig;
}

export interface EdgeConfig {
  /** Largest HTTP body and WebSocket frame, in bytes. */
  maxRequestBytes: number;
  /**
   * Largest graphql-ws message (connection_init, subscribe: query text,
   * variables and extensions together), in bytes; the frame cap is the
   * smaller of this and maxRequestBytes.
   */
  maxWsMessageBytes: number;
  /** How long a new graphql-ws socket may take to send connection_init before it is closed with 4408. */
  connectionInitWaitMs: number;
  /** Queries and mutations of one user executing at once on this instance, HTTP and WebSocket together. */
  maxConcurrentOperationsPerUser: number;
  /** Proxies in front of Parley whose `X-Forwarded-For` entry is trusted; 0: the socket's address. */
  trustProxy: number;
  /** Operations in flight on one graphql-ws socket (subscriptions, and queries sent over it). */
  maxSubscriptionsPerSocket: number;
  /** Authenticated sockets one user may hold open on one instance. */
  maxSocketsPerUser: number;
  /** How long an issued token is valid. */
  tokenLifetimeMs: number;
  /** CORS_ORIGINS: browser origins besides Parley's own that may call /graphql (http/cors.ts); empty: none. */
  corsOrigins: string[];
}

export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** A bad environment value; its message is the one line printed before exiting. */
export class ConfigError extends Error {}

export interface RedisNode {
  host: string;
  port: number;
}

/**
 * A cluster's credentials and transport, the same on every node (a URL per
 * node would repeat the password in each). With TLS, each node's certificate
 * is checked against Node's CAs plus NODE_EXTRA_CA_CERTS, for the address the
 * node announces.
 */
export interface RedisClusterAccess {
  username?: string;
  password?: string;
  tls?: boolean;
}

/** The shared Redis, one server or a cluster; undefined when there is none (everything in process). */
export type RedisTarget = { url: string } | ({ clusterNodes: RedisNode[] } & RedisClusterAccess);

/** REDIS_URL or REDIS_CLUSTER_NODES, whichever is set: every instance shares what either enables. */
export function redisTargetOf(config: Pick<Config, 'redisUrl' | 'redisClusterNodes' | 'redisClusterAccess'>): RedisTarget | undefined {
  if (config.redisUrl) return { url: config.redisUrl };
  if (config.redisClusterNodes) return { clusterNodes: config.redisClusterNodes, ...config.redisClusterAccess };
  return undefined;
}

/** REDIS_CLUSTER_USERNAME / _PASSWORD / _TLS; refused without REDIS_CLUSTER_NODES, where they would silently do nothing. */
function redisClusterAccess(env: NodeJS.ProcessEnv, clustered: boolean): RedisClusterAccess | undefined {
  const username = nonEmpty(env.REDIS_CLUSTER_USERNAME);
  // Not trimmed: spaces may be part of a password.
  const password = nonEmpty(env.REDIS_CLUSTER_PASSWORD) === undefined ? undefined : env.REDIS_CLUSTER_PASSWORD;
  const tls = onOff('REDIS_CLUSTER_TLS', nonEmpty(env.REDIS_CLUSTER_TLS)?.toLowerCase(), false);
  if (username === undefined && password === undefined && !tls) return undefined;
  const given = [username !== undefined && 'REDIS_CLUSTER_USERNAME', password !== undefined && 'REDIS_CLUSTER_PASSWORD', tls && 'REDIS_CLUSTER_TLS'].filter(Boolean);
  if (!clustered) throw new ConfigError(`${given.join(', ')} only apply to REDIS_CLUSTER_NODES (for one Redis, put them in REDIS_URL: rediss://user:password@host:port)`);
  if (username !== undefined && password === undefined) throw new ConfigError('REDIS_CLUSTER_USERNAME needs REDIS_CLUSTER_PASSWORD');
  return { ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}), ...(tls ? { tls } : {}) };
}

/** `host:port,host:port,…` (a bracketed IPv6 address is a host): where a cluster client starts. */
function redisClusterNodes(text: string | undefined): RedisNode[] | undefined {
  if (text === undefined) return undefined;
  const nodes = text.split(',').map((entry) => {
    const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:/\[\]@]+):(\d{1,5})$/.exec(entry.trim());
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) {
      throw new ConfigError(`REDIS_CLUSTER_NODES must be a comma-separated list of host:port (the cluster's nodes, or some of them), got ${JSON.stringify(text)}`);
    }
    return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
  });
  return nodes;
}

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

/** More would be a misconfiguration, not a machine: each worker holds its own PostgreSQL pool and Redis connections. */
export const MAX_WORKERS = 256;

/** `auto`: one per core this process may run on (os.availableParallelism, which honours taskset and cgroup cpusets). */
const workerCount = (value: string | undefined): number => {
  if (value === undefined) return 1;
  if (value.toLowerCase() === 'auto') return availableParallelism();
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_WORKERS) throw new ConfigError(`WORKERS must be auto or an integer from 1 to ${MAX_WORKERS}, got ${JSON.stringify(value)}`);
  return n;
};

/**
 * Workers are separate processes: everything they share must be an engine
 * outside them. Each worker is an instance like any other on the same
 * PostgreSQL and Redis (same single-instance lock, same inline persister per
 * instance), so nothing else is asked of them.
 */
function checkWorkersShareEngines(text: string | undefined, workers: number, databaseUrl: string | undefined, redisUrl: string | RedisNode[] | undefined): void {
  if (workers <= 1) return;
  const reasons: string[] = [];
  if (databaseUrl === undefined) reasons.push('without DATABASE_URL the embedded PGlite database under DATA_DIR is one process\'s alone');
  if (redisUrl === undefined) reasons.push("without REDIS_URL the in-process realtime bus would not carry a message stored by one worker to subscribers connected to another");
  if (reasons.length === 0) return;
  const missing = [databaseUrl === undefined && 'DATABASE_URL', redisUrl === undefined && 'REDIS_URL'].filter(Boolean).join(' and ');
  const asked = text?.toLowerCase() === 'auto' ? `WORKERS=auto (${workers} here)` : `WORKERS=${workers}`;
  throw new ConfigError(`${asked} needs ${missing}: ${reasons.join('; ')}. Set both (REDIS_CLUSTER_NODES in place of REDIS_URL will do), or WORKERS=1`);
}

const onOff = (name: string, value: string | undefined, fallback: boolean): boolean => {
  if (value === undefined) return fallback;
  if (value === 'on' || value === 'off') return value === 'on';
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

const nonNegativeInt = (name: string, value: string | undefined, fallback: number, max: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > max) throw new ConfigError(`${name} must be an integer from 0 to ${max}, got ${JSON.stringify(value)}`);
  return n;
};

const DURATION_UNITS_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `<count><unit>` with unit s, m, h or d, e.g. `30d`. */
const duration = (name: string, value: string | undefined, fallback: string): number => {
  const text = value ?? fallback;
  const match = /^(\d+)([smhd])$/.exec(text);
  const ms = match ? Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS] : 0;
  // A year at most: a token is the only credential a client holds, and jose counts in seconds.
  if (!match || ms < 1000 || ms > 366 * DURATION_UNITS_MS.d) {
    throw new ConfigError(`${name} must look like 30d, 12h, 15m or 90s (at most 366d), got ${JSON.stringify(text)}`);
  }
  return ms;
};

/** A duration of at most `maxMs` (duration() alone allows a year). */
const shortDuration = (name: string, value: string | undefined, fallback: string, maxMs: number): number => {
  const largest = maxMs % 60_000 === 0 ? `${maxMs / 60_000}m` : `${maxMs / 1000}s`;
  let ms: number;
  try {
    ms = duration(name, value, fallback);
  } catch {
    ms = Infinity;
  }
  if (ms > maxMs) throw new ConfigError(`${name} must be a duration from 1s to ${largest} in whole seconds or minutes (e.g. 15s, 2m), got ${JSON.stringify(value)}`);
  return ms;
};

/** JSON for a collector unless a person is reading: pretty when stdout is a terminal (npm start in a shell). */
function loadLog(env: NodeJS.ProcessEnv, stdoutIsTerminal: boolean): LogSettings {
  const level = nonEmpty(env.LOG_LEVEL)?.toLowerCase() ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(env.LOG_LEVEL)}`);
  }
  const format = nonEmpty(env.LOG_FORMAT)?.toLowerCase() ?? (stdoutIsTerminal ? 'pretty' : 'json');
  if (format !== 'json' && format !== 'pretty') throw new ConfigError(`LOG_FORMAT must be json or pretty, got ${JSON.stringify(env.LOG_FORMAT)}`);
  return { level: level as LogSettings['level'], format };
}

const corsOrigins = (text: string | undefined): string[] => {
  try {
    return text === undefined ? [] : parseCorsOrigins(text);
  } catch (error) {
    throw new ConfigError(`CORS_ORIGINS: ${(error as Error).message}`);
  }
};

function loadEdge(env: NodeJS.ProcessEnv): EdgeConfig {
  return {
    // 1 MiB: a 4,000-character message is at most 16 KB; the largest legitimate request is far below.
    maxRequestBytes: positiveInt('MAX_REQUEST_BYTES', nonEmpty(env.MAX_REQUEST_BYTES), 1024 * 1024, 64 * 1024 * 1024),
    /*
     * 64 KiB: a graphql-ws message stays parsed and held for as long as its
     * subscription lives. The SDK's largest operation is under 2 KB and a
     * sendMessage of 4,000 characters under 17 KB of JSON.
     */
    maxWsMessageBytes: positiveInt('MAX_WS_MESSAGE_BYTES', nonEmpty(env.MAX_WS_MESSAGE_BYTES), 64 * 1024, 64 * 1024 * 1024),
    // graphql-ws waits 3 s, which a phone on a poor network (TLS, then the token check) can miss.
    connectionInitWaitMs: shortDuration('CONNECTION_INIT_WAIT', nonEmpty(env.CONNECTION_INIT_WAIT), '10s', 60_000),
    // A client runs a few operations at once (a chat list, a history page, a send); eight leaves room for several tabs.
    maxConcurrentOperationsPerUser: positiveInt('MAX_CONCURRENT_OPERATIONS_PER_USER', nonEmpty(env.MAX_CONCURRENT_OPERATIONS_PER_USER), 8, 100_000),
    trustProxy: nonNegativeInt('TRUST_PROXY', nonEmpty(env.TRUST_PROXY), 0, 100),
    maxSubscriptionsPerSocket: positiveInt('MAX_SUBSCRIPTIONS_PER_SOCKET', nonEmpty(env.MAX_SUBSCRIPTIONS_PER_SOCKET), 100, 100_000),
    maxSocketsPerUser: positiveInt('MAX_SOCKETS_PER_USER', nonEmpty(env.MAX_SOCKETS_PER_USER), 20, 100_000),
    tokenLifetimeMs: duration('TOKEN_LIFETIME', nonEmpty(env.TOKEN_LIFETIME), '30d'),
    corsOrigins: corsOrigins(nonEmpty(env.CORS_ORIGINS)),
  };
}

/**
 * Every per-user and per-address limit switched off: what tests and
 * benchmarks run with (their bursts from one user are the point), unless one
 * turns a limit back on. A new limit goes here too.
 */
export const LIMITS_OFF: Readonly<Record<string, string>> = {
  SEND_RATE_LIMIT: 'off',
  LOGIN_RATE_LIMIT: 'off',
  LOGIN_IP_RATE_LIMIT: 'off',
  LOGIN_SUCCESS_RATE_LIMIT: 'off',
  SIGNUP_RATE_LIMIT: 'off',
  CHAT_CREATE_RATE_LIMIT: 'off',
  MAX_CONCURRENT_OPERATIONS_PER_USER: '100000',
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

  const host = nonEmpty(env.HOST);
  // An address or a name, nothing that reads as a URL or a list.
  if (host !== undefined && !/^(?:[\w.-]+|\[?[0-9a-fA-F:]+\]?)$/.test(host)) {
    throw new ConfigError(`HOST must be an address or host name to listen on (e.g. 127.0.0.1, ::, localhost), got ${JSON.stringify(env.HOST)}`);
  }

  const metricsPortText = nonEmpty(env.METRICS_PORT);
  const metricsPort = metricsPortText === undefined ? undefined : Number(metricsPortText);
  if (metricsPortText !== undefined && (!/^\d+$/.test(metricsPortText) || metricsPort! > 65535)) {
    throw new ConfigError(`METRICS_PORT must be an integer from 0 to 65535, got ${JSON.stringify(env.METRICS_PORT)}`);
  }
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    throw new ConfigError(`METRICS_PORT must differ from PORT (${port}): it moves /metrics off the API port`);
  }

  const databaseUrl = nonEmpty(env.DATABASE_URL);
  const redisUrl = nonEmpty(env.REDIS_URL);
  const clusterNodes = redisClusterNodes(nonEmpty(env.REDIS_CLUSTER_NODES));
  if (redisUrl !== undefined && clusterNodes !== undefined) {
    // Two shared Redises would split the instances' traffic between them: one or the other.
    throw new ConfigError('set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both');
  }
  const clusterAccess = redisClusterAccess(env, clusterNodes !== undefined);
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

  const keysText = nonEmpty(env.MESSAGE_KEYS);
  let messageKeys: MessageKey[] | null = null;
  if (keysText !== undefined) {
    try {
      messageKeys = parseMessageKeys(keysText);
    } catch (error) {
      throw new ConfigError(`MESSAGE_KEYS: ${(error as Error).message}`);
    }
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
      ['REDIS_URL', redisUrl ?? clusterNodes],
    ].filter(([, value]) => value === undefined);
    if (missing.length > 0) {
      throw new ConfigError(`PERSISTER=external needs ${missing.map(([name]) => name).join(', ')}: an external persister shares the event log, the database and the realtime bus with the API (REDIS_CLUSTER_NODES in place of REDIS_URL will do)`);
    }
  }

  const workersText = nonEmpty(env.WORKERS);
  const workers = workerCount(workersText);
  // A Redis Cluster carries messages between workers as one Redis does.
  checkWorkersShareEngines(workersText, workers, databaseUrl, redisUrl ?? clusterNodes);

  return {
    production,
    port,
    log: loadLog(env, process.stdout.isTTY === true),
    ...(host ? { host: host.replace(/^\[(.*)\]$/, '$1') } : {}),
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    dataDir: nonEmpty(env.DATA_DIR) ?? './.data',
    databaseUrl: databaseUrl && urlWithScheme('DATABASE_URL', databaseUrl, ['postgres:', 'postgresql:']),
    redisUrl: redisUrl && urlWithScheme('REDIS_URL', redisUrl, ['redis:', 'rediss:']),
    ...(clusterNodes ? { redisClusterNodes: clusterNodes } : {}),
    ...(clusterAccess ? { redisClusterAccess: clusterAccess } : {}),
    mongoUrl: mongoUrl && mongoConnectionString(mongoUrl),
    kafkaBrokers,
    jwtSecret,
    messageKeys,
    workers,
    databasePoolSize: positiveInt('DATABASE_POOL_SIZE', nonEmpty(env.DATABASE_POOL_SIZE), 10, 1000),
    databaseConnectTimeoutMs: positiveInt('DATABASE_CONNECT_TIMEOUT_MS', nonEmpty(env.DATABASE_CONNECT_TIMEOUT_MS), DATABASE_CONNECT_TIMEOUT_MS, 600_000),
    databaseStatementTimeoutMs: positiveInt('DATABASE_STATEMENT_TIMEOUT_MS', nonEmpty(env.DATABASE_STATEMENT_TIMEOUT_MS), DATABASE_STATEMENT_TIMEOUT_MS, 3_600_000),
    kafkaPartitions: positiveInt('KAFKA_PARTITIONS', nonEmpty(env.KAFKA_PARTITIONS), 6, 10_000),
    persister,
    sendRateLimit: rateLimit('SEND_RATE_LIMIT', nonEmpty(env.SEND_RATE_LIMIT), '30/10s'),
    loginRateLimit: rateLimit('LOGIN_RATE_LIMIT', nonEmpty(env.LOGIN_RATE_LIMIT), '10/60s'),
    // Ten failures per address in five minutes stop a password sprayer early and are more typos than one address makes.
    loginIpRateLimit: rateLimit('LOGIN_IP_RATE_LIMIT', nonEmpty(env.LOGIN_IP_RATE_LIMIT), '10/300s'),
    // Thirty sign-ins per address in five minutes: a token lasts for weeks, so even an office behind one NAT
    // signs in far less often; a list of stolen passwords is checked at six a minute, not thousands.
    loginSuccessRateLimit: rateLimit('LOGIN_SUCCESS_RATE_LIMIT', nonEmpty(env.LOGIN_SUCCESS_RATE_LIMIT), '30/300s'),
    // Thirty new chats per user an hour: more people than anyone starts talking to in an hour, while one
    // account cannot fill the chats table (and other people's chat lists) without bound.
    chatCreateRateLimit: rateLimit('CHAT_CREATE_RATE_LIMIT', nonEmpty(env.CHAT_CREATE_RATE_LIMIT), '30/3600s'),
    // Twenty accounts an hour per address: a class or a meetup behind one NAT can join, a script gets 480 a day, not 40 a request.
    signupRateLimit: rateLimit('SIGNUP_RATE_LIMIT', nonEmpty(env.SIGNUP_RATE_LIMIT), '20/3600s'),

    liveCheckIntervalMs: positiveInt('LIVE_CHECK_INTERVAL_MS', nonEmpty(env.LIVE_CHECK_INTERVAL_MS), 2000, 600_000),
    // 50 ms: an overtaken publish arrives within a few ms, a busy event loop's within tens; a lost one waits this long, then costs one read.
    busReorderWaitMs: positiveInt('BUS_REORDER_WAIT_MS', nonEmpty(env.BUS_REORDER_WAIT_MS), 50, 10_000),
    // 6 s: long enough to outlast a client's renewal every few seconds, short enough that a typist who vanished stops showing soon.
    typingTimeoutMs: shortDuration('TYPING_TIMEOUT', nonEmpty(env.TYPING_TIMEOUT), '6s', 60_000),
    // 5 s: a reload or a network switch reconnects within it; someone who really left shows offline soon after.
    presenceGraceMs: positiveInt('PRESENCE_GRACE_MS', nonEmpty(env.PRESENCE_GRACE_MS), 5000, 60_000),
    // 10 s, at most 15 s: a killed instance is presumed dead after three missed beats and swept at the next
    // beat of another, so its users go offline within four beats (40 s; 60 s at the most).
    presenceHeartbeatMs: positiveInt('PRESENCE_HEARTBEAT_MS', nonEmpty(env.PRESENCE_HEARTBEAT_MS), 10_000, 15_000),
    redisCommandTimeoutMs: positiveInt('REDIS_COMMAND_TIMEOUT_MS', nonEmpty(env.REDIS_COMMAND_TIMEOUT_MS), 500, 60_000),
    redisCooldownMs: positiveInt('REDIS_COOLDOWN_MS', nonEmpty(env.REDIS_COOLDOWN_MS), REDIS_COOLDOWN_MS, 600_000),
    singleInstanceCheck: onOff('SINGLE_INSTANCE_CHECK', nonEmpty(env.SINGLE_INSTANCE_CHECK), true),
    // 15 s: 10 s for in-flight requests (twice the Kafka append deadline), 5 s for the engines; under the 30 s
    // an orchestrator usually waits before SIGKILL. At most 10 minutes: a shutdown is not a place to wait for a human.
    shutdownTimeoutMs: shortDuration('SHUTDOWN_TIMEOUT', nonEmpty(env.SHUTDOWN_TIMEOUT), '15s', 600_000),
    edge: loadEdge(env),
    pgliteFsync: onOff('PGLITE_FSYNC', nonEmpty(env.PGLITE_FSYNC)?.toLowerCase(), true),
  };
}
