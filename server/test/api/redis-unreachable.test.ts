import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/observability/log.js';
import { openRealtimeBus } from '../../src/realtime/open-realtime-bus.js';
import { ChildServer } from '../support/child-server.js';
import { createTestDatabase, postgresUnreachable, type TestDatabase } from '../support/postgres.js';
import { freePort, REDIS_URL, redisSkipReason } from '../support/redis.js';

/*
 * Parley cannot start without the Redis it is given (its bot sessions listen
 * on the bus at once). What is checked here is that the refusal says which
 * setting, where it points (no password) and what Redis answered, instead of
 * the "Realtime delivery is unavailable right now; retry shortly" a client
 * gets; and that REDIS_CLUSTER_NODES pointed at one plain Redis says so.
 */

/** A port that was free a moment ago: connecting to it is refused at once. */
const closedPort = freePort;

const failureOf = (start: () => Promise<unknown>): Promise<Error> =>
  start().then(
    (opened) => {
      void (opened as { close?: () => Promise<void> }).close?.();
      throw new Error('expected the start to fail');
    },
    (error: unknown) => error as Error,
  );

/** host:port of the machine's Redis, which is one Redis (not in cluster mode). */
const plainRedis = () => new URL(REDIS_URL).host;

describe('a Redis that does not answer at start-up', () => {
  it('REDIS_URL: one line naming the setting and the cause, the password hidden', async () => {
    const port = await closedPort();
    const error = await failureOf(() => openRealtimeBus(loadConfig({ REDIS_URL: `redis://parley:s3cret@127.0.0.1:${port}` }), silentLogger));
    expect(error.message).toMatch(new RegExp(`^REDIS_URL: Redis at redis://parley:\\*\\*\\*@127\\.0\\.0\\.1:${port} did not answer: .*ECONNREFUSED`));
    expect(error.message).not.toContain('s3cret');
    expect(error.message).not.toMatch(/\n/);
  });

  it('REDIS_CLUSTER_NODES: names the nodes and what they said, within the start wait', async () => {
    const port = await closedPort();
    const started = performance.now();
    const error = await failureOf(() => openRealtimeBus(loadConfig({ REDIS_CLUSTER_NODES: `127.0.0.1:${port}` }), silentLogger));
    expect(error.message).toMatch(new RegExp(`^REDIS_CLUSTER_NODES: the Redis Cluster at 127\\.0\\.0\\.1:${port} did not answer: `));
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it.skipIf(redisSkipReason)('REDIS_CLUSTER_NODES naming one plain Redis: says it is not a cluster and where one Redis goes', async () => {
    const error = await failureOf(() => openRealtimeBus(loadConfig({ REDIS_CLUSTER_NODES: plainRedis() }), silentLogger));
    expect(error.message).toBe(
      `REDIS_CLUSTER_NODES: the Redis Cluster at ${plainRedis()} did not answer: ERR This instance has cluster support disabled (REDIS_CLUSTER_NODES is for a Redis Cluster; one Redis goes in REDIS_URL)`,
    );
  });
});

const skip = redisSkipReason ?? (await postgresUnreachable());
describe.skipIf(skip)('Parley started with REDIS_CLUSTER_NODES naming one plain Redis', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('exits 1 with that line, not "retry shortly"', async () => {
    const failure = await ChildServer.start({ DATABASE_URL: db.url, REDIS_URL: '', REDIS_CLUSTER_NODES: plainRedis() }).then(
      (server) => server.kill().then(() => null),
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/^child server exited with 1:/);
    expect(failure).toContain(`parley: could not start: REDIS_CLUSTER_NODES: the Redis Cluster at ${plainRedis()} did not answer: ERR This instance has cluster support disabled (REDIS_CLUSTER_NODES is for a Redis Cluster; one Redis goes in REDIS_URL)`);
    expect(failure).not.toContain('retry shortly');
  }, 60_000);
});
