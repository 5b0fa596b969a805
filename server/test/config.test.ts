import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, LIMITS_OFF, loadConfig } from '../src/config/config.js';
import { requestGraceOf } from '../src/support/shutdown.js';

describe('configuration', () => {
  it('defaults to the embedded engines on port 4000', () => {
    expect(loadConfig({})).toEqual({
      production: false,
      port: 4000,
      // Tests run with stdout piped: JSON lines, as a collector reads them.
      log: { level: 'info', format: 'json' },
      dataDir: './.data',
      databaseUrl: undefined,
      redisUrl: undefined,
      mongoUrl: undefined,
      kafkaBrokers: undefined,
      jwtSecret: undefined,
      messageKeys: null,
      workers: 1,
      databasePoolSize: 10,
      databaseConnectTimeoutMs: 5000,
      databaseStatementTimeoutMs: 10_000,
      kafkaPartitions: 6,
      persister: 'inline',
      sendRateLimit: { limit: 30, windowMs: 10_000 },
      loginRateLimit: { limit: 10, windowMs: 60_000 },
      loginIpRateLimit: { limit: 10, windowMs: 300_000 },
      loginSuccessRateLimit: { limit: 30, windowMs: 300_000 },
      chatCreateRateLimit: { limit: 30, windowMs: 3_600_000 },
      signupRateLimit: { limit: 20, windowMs: 3_600_000 },
      liveCheckIntervalMs: 2000,
      busReorderWaitMs: 50,
      typingTimeoutMs: 6000,
      presenceGraceMs: 5000,
      presenceHeartbeatMs: 10_000,
      redisCommandTimeoutMs: 500,
      redisCooldownMs: 5000,
      singleInstanceCheck: true,
      shutdownTimeoutMs: 15_000,
      edge: {
        maxRequestBytes: 1024 * 1024,
        maxWsMessageBytes: 64 * 1024,
        connectionInitWaitMs: 10_000,
        maxConcurrentOperationsPerUser: 8,
        trustProxy: 0,
        maxSubscriptionsPerSocket: 100,
        maxSocketsPerUser: 20,
        tokenLifetimeMs: 30 * 86_400_000,
        corsOrigins: [],
      },
      pgliteFsync: true,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      DATA_DIR: '/var/parley',
      DATABASE_URL: 'postgres://u@db:5432/parley',
      REDIS_URL: 'redis://cache:6379',
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      MONGO_URL: 'mongodb://mongo:27017/parley',
      JWT_SECRET: 's'.repeat(32),
      NODE_ENV: 'production',
      DATABASE_POOL_SIZE: '25',
      DATABASE_CONNECT_TIMEOUT_MS: '1500',
      DATABASE_STATEMENT_TIMEOUT_MS: '30000',
      KAFKA_PARTITIONS: '12',
      PERSISTER: 'external',
      SEND_RATE_LIMIT: '5/1s',
      LOGIN_RATE_LIMIT: 'off',
      LOGIN_IP_RATE_LIMIT: '7/120s',
      LOGIN_SUCCESS_RATE_LIMIT: 'off',
      SIGNUP_RATE_LIMIT: 'off',
      CHAT_CREATE_RATE_LIMIT: '5/60s',
      LIVE_CHECK_INTERVAL_MS: '500',
      BUS_REORDER_WAIT_MS: '20',
      REDIS_COMMAND_TIMEOUT_MS: '100',
      REDIS_COOLDOWN_MS: '1000',
      SINGLE_INSTANCE_CHECK: 'off',
      PGLITE_FSYNC: 'off',
      WORKERS: '3',
    });
    expect(config).toMatchObject({
      port: 8080,
      workers: 3,
      dataDir: '/var/parley',
      kafkaBrokers: ['k1:9092', 'k2:9092'],
      production: true,
      databasePoolSize: 25,
      databaseConnectTimeoutMs: 1500,
      databaseStatementTimeoutMs: 30_000,
      kafkaPartitions: 12,
      persister: 'external',
      sendRateLimit: { limit: 5, windowMs: 1000 },
      loginRateLimit: null,
      loginIpRateLimit: { limit: 7, windowMs: 120_000 },
      loginSuccessRateLimit: null,
      signupRateLimit: null,
      chatCreateRateLimit: { limit: 5, windowMs: 60_000 },
      liveCheckIntervalMs: 500,
      busReorderWaitMs: 20,
      redisCommandTimeoutMs: 100,
      redisCooldownMs: 1000,
      singleInstanceCheck: false,
      pgliteFsync: false,
    });
  });

  it('accepts multi-host MongoDB URLs (replica sets)', () => {
    const url = 'mongodb://a:27017,b:27017/parley?replicaSet=rs0';
    expect(loadConfig({ MONGO_URL: url }).mongoUrl).toBe(url);
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT /],
    [{ PORT: '70000' }, /^PORT /],
    [{ HOST: 'http://0.0.0.0' }, /^HOST /],
    [{ HOST: '1.2.3.4, 5.6.7.8' }, /^HOST /],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL /],
    [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL /],
    [{ REDIS_URL: 'http://x' }, /^REDIS_URL /],
    [{ MONGO_URL: 'postgres://x' }, /^MONGO_URL /],
    [{ MONGO_URL: 'mongodb://' }, /^MONGO_URL /],
    [{ KAFKA_BROKERS: 'k1' }, /^KAFKA_BROKERS /],
    [{ JWT_SECRET: 'short' }, /^JWT_SECRET /],
    [{ NODE_ENV: 'production' }, /^JWT_SECRET is required/],
    [{ DATABASE_POOL_SIZE: '0' }, /^DATABASE_POOL_SIZE /],
    [{ DATABASE_CONNECT_TIMEOUT_MS: '0' }, /^DATABASE_CONNECT_TIMEOUT_MS /],
    [{ DATABASE_STATEMENT_TIMEOUT_MS: '10s' }, /^DATABASE_STATEMENT_TIMEOUT_MS /],
    [{ KAFKA_PARTITIONS: 'many' }, /^KAFKA_PARTITIONS /],
    [{ PERSISTER: 'sometimes' }, /^PERSISTER /],
    [{ PERSISTER: 'external' }, /^PERSISTER=external needs KAFKA_BROKERS, DATABASE_URL, REDIS_URL:/],
    [{ PERSISTER: 'external', KAFKA_BROKERS: 'k:9092', DATABASE_URL: 'postgres://db/p' }, /^PERSISTER=external needs REDIS_URL:/],
    [{ SEND_RATE_LIMIT: '10' }, /^SEND_RATE_LIMIT /],
    [{ LOGIN_RATE_LIMIT: '0/10s' }, /^LOGIN_RATE_LIMIT /],
    [{ LOGIN_IP_RATE_LIMIT: '5/5m' }, /^LOGIN_IP_RATE_LIMIT /],
    [{ SIGNUP_RATE_LIMIT: 'unlimited' }, /^SIGNUP_RATE_LIMIT /],
    [{ LOGIN_SUCCESS_RATE_LIMIT: '30/5m' }, /^LOGIN_SUCCESS_RATE_LIMIT /],
    [{ CHAT_CREATE_RATE_LIMIT: '30' }, /^CHAT_CREATE_RATE_LIMIT /],
    [{ LIVE_CHECK_INTERVAL_MS: '0' }, /^LIVE_CHECK_INTERVAL_MS /],
    [{ BUS_REORDER_WAIT_MS: '0' }, /^BUS_REORDER_WAIT_MS /],
    [{ REDIS_COMMAND_TIMEOUT_MS: '1.5' }, /^REDIS_COMMAND_TIMEOUT_MS /],
    [{ REDIS_COOLDOWN_MS: '-1' }, /^REDIS_COOLDOWN_MS /],
    [{ SINGLE_INSTANCE_CHECK: 'no' }, /^SINGLE_INSTANCE_CHECK must be on or off/],
    [{ PGLITE_FSYNC: 'sometimes' }, /^PGLITE_FSYNC must be on or off/],
  ])('rejects %o with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('does not demand JWT_SECRET in production of a process that signs no tokens (the summary job)', () => {
    expect(loadConfig({ NODE_ENV: 'production' }, { signsTokens: false })).toMatchObject({ production: true, jwtSecret: undefined });
  });
});

it('LIMITS_OFF (what tests and the bench run with) switches off every rate limit the configuration knows', () => {
  const config = loadConfig({ ...LIMITS_OFF });
  const rateLimits = Object.entries(config).filter(([key]) => key.endsWith('RateLimit'));
  expect(rateLimits.length).toBeGreaterThanOrEqual(6);
  expect(rateLimits.filter(([, value]) => value !== null).map(([key]) => key)).toEqual([]);
  // Each one is on by default, so the list above is not empty by accident.
  expect(Object.entries(loadConfig({})).filter(([key, value]) => key.endsWith('RateLimit') && value === null)).toEqual([]);
});

it('TYPING_TIMEOUT: 6 s by default, a duration from 1 s to 60 s', () => {
  expect(loadConfig({}).typingTimeoutMs).toBe(6000);
  expect(loadConfig({ TYPING_TIMEOUT: '2s' }).typingTimeoutMs).toBe(2000);
  expect(() => loadConfig({ TYPING_TIMEOUT: '2m' })).toThrow(ConfigError);
  expect(() => loadConfig({ TYPING_TIMEOUT: 'soon' })).toThrow(ConfigError);
});

it('SHUTDOWN_TIMEOUT: 15 s by default, a duration from 1 s to 10 min; requests and sockets get two-thirds of it', () => {
  expect(loadConfig({}).shutdownTimeoutMs).toBe(15_000);
  expect(requestGraceOf(loadConfig({}).shutdownTimeoutMs)).toBe(10_000);
  expect(loadConfig({ SHUTDOWN_TIMEOUT: '3s' }).shutdownTimeoutMs).toBe(3000);
  expect(loadConfig({ SHUTDOWN_TIMEOUT: '10m' }).shutdownTimeoutMs).toBe(600_000);
  for (const value of ['0s', '11m', '1h', '15', 'soon', '-5s']) {
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT: value }), value).toThrow(ConfigError);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT: value }), value).toThrow(/^SHUTDOWN_TIMEOUT must be a duration from 1s to 10m /);
  }
});

it('PRESENCE_GRACE_MS (5 s, at most 60 s) and PRESENCE_HEARTBEAT_MS (10 s, at most 15 s: a killed instance’s users are offline within four beats, 60 s)', () => {
  expect(loadConfig({ PRESENCE_GRACE_MS: '250', PRESENCE_HEARTBEAT_MS: '1000' })).toMatchObject({ presenceGraceMs: 250, presenceHeartbeatMs: 1000 });
  expect(() => loadConfig({ PRESENCE_GRACE_MS: '61000' })).toThrow(ConfigError);
  expect(() => loadConfig({ PRESENCE_HEARTBEAT_MS: '20000' })).toThrow(ConfigError);
  expect(() => loadConfig({ PRESENCE_HEARTBEAT_MS: '10s' })).toThrow(ConfigError);
});

describe('WORKERS', () => {
  const shared = { DATABASE_URL: 'postgres://u@db:5432/parley', REDIS_URL: 'redis://cache:6379' };

  it('is 1 by default (one process, no primary); an integer from 1 to 256, or auto: one per core this process may use', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ WORKERS: '1' }).workers).toBe(1);
    expect(loadConfig({ ...shared, WORKERS: '4' }).workers).toBe(4);
    expect(loadConfig({ ...shared, WORKERS: '256' }).workers).toBe(256);
    expect(loadConfig({ ...shared, WORKERS: 'auto' }).workers).toBe(availableParallelism());
    expect(loadConfig({ ...shared, WORKERS: 'AUTO' }).workers).toBe(availableParallelism());
    expect(loadConfig({ ...shared, WORKERS: ' 2 ' }).workers).toBe(2);
    for (const value of ['0', '257', '-1', '1.5', '2x', 'all', 'max']) {
      expect(() => loadConfig({ ...shared, WORKERS: value }), value).toThrow(ConfigError);
      expect(() => loadConfig({ ...shared, WORKERS: value }), value).toThrow(/^WORKERS must be auto or an integer from 1 to 256, got /);
    }
  });

  it('more than 1 needs DATABASE_URL and REDIS_URL, and the refusal says why', () => {
    expect(() => loadConfig({ WORKERS: '2' })).toThrow(
      /^WORKERS=2 needs DATABASE_URL and REDIS_URL: without DATABASE_URL the embedded PGlite database under DATA_DIR is one process's alone; without REDIS_URL the in-process realtime bus would not carry a message stored by one worker to subscribers connected to another\. Set both \(REDIS_CLUSTER_NODES in place of REDIS_URL will do\), or WORKERS=1$/,
    );
    expect(() => loadConfig({ WORKERS: '2', REDIS_URL: shared.REDIS_URL })).toThrow(/^WORKERS=2 needs DATABASE_URL: without DATABASE_URL the embedded PGlite/);
    expect(() => loadConfig({ WORKERS: '2', DATABASE_URL: shared.DATABASE_URL })).toThrow(/^WORKERS=2 needs REDIS_URL: without REDIS_URL the in-process realtime bus/);
    // Switching the check off does not make the in-process bus reach other processes.
    expect(() => loadConfig({ WORKERS: '2', DATABASE_URL: shared.DATABASE_URL, SINGLE_INSTANCE_CHECK: 'off' })).toThrow(/^WORKERS=2 needs REDIS_URL/);
    // Kafka is not needed: each worker's inline persister numbers messages under the chat's row lock, like any instance's.
    expect(loadConfig({ ...shared, WORKERS: '2' })).toMatchObject({ workers: 2, persister: 'inline', kafkaBrokers: undefined });
    expect(loadConfig({ ...shared, WORKERS: '2', KAFKA_BROKERS: 'k:9092', PERSISTER: 'external' })).toMatchObject({ workers: 2, persister: 'external' });
  });

  it('a Redis Cluster (REDIS_CLUSTER_NODES) is a shared Redis too: more than 1 runs on it', () => {
    const nodes = 'cache-0:6379,cache-1:6379';
    expect(loadConfig({ DATABASE_URL: shared.DATABASE_URL, REDIS_CLUSTER_NODES: nodes, WORKERS: '2' })).toMatchObject({ workers: 2, redisClusterNodes: [{ host: 'cache-0', port: 6379 }, { host: 'cache-1', port: 6379 }] });
    expect(loadConfig({ DATABASE_URL: shared.DATABASE_URL, REDIS_CLUSTER_NODES: nodes, WORKERS: 'auto' }).workers).toBe(availableParallelism());
    // Without DATABASE_URL it is still refused, for the database alone.
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: nodes, WORKERS: '2' })).toThrow(/^WORKERS=2 needs DATABASE_URL: without DATABASE_URL the embedded PGlite database under DATA_DIR is one process's alone\. Set both/);
  });

  it('auto is refused in embedded mode when it means more than one process, naming how many it meant', () => {
    if (availableParallelism() > 1) expect(() => loadConfig({ WORKERS: 'auto' })).toThrow(new RegExp(`^WORKERS=auto \\(${availableParallelism()} here\\) needs DATABASE_URL and REDIS_URL`));
    else expect(loadConfig({ WORKERS: 'auto' }).workers).toBe(1);
  });
});

it('LOG_LEVEL (info) and LOG_FORMAT (pretty at a terminal, else JSON) are checked', () => {
  expect(loadConfig({ LOG_LEVEL: 'DEBUG', LOG_FORMAT: 'pretty' }).log).toEqual({ level: 'debug', format: 'pretty' });
  expect(loadConfig({ LOG_LEVEL: 'silent' }).log.level).toBe('silent');
  expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(/^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/);
  expect(() => loadConfig({ LOG_FORMAT: 'text' })).toThrow(/^LOG_FORMAT must be json or pretty/);
});
