import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresUnreachable, type TestDatabase } from '../support/postgres.js';
import { scrape, valueOf } from '../support/prometheus-text.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { refusingBroker, type UnreachableKafka } from '../support/unreachable-kafka.js';

const PERSISTER_MAIN = fileURLToPath(new URL('../../dist/workers/persister-main.js', import.meta.url));

/*
 * `npm run persister` as its own process (the built server, as compose runs
 * it), on the machine's PostgreSQL and Redis. Kafka is not needed to see it
 * serve /metrics: the persister starts while the brokers are unreachable and
 * reports the event log down, so this runs without Kafka. Batches, stored
 * sends and consumer lag moving need a real Kafka behind a real persister
 * process; the in-process persister's batches are covered by metrics.test.ts.
 */
const skipReason = (await postgresUnreachable()) ?? redisSkipReason;
const suite = skipReason ? describe.skip : describe;
if (skipReason) console.warn(`SKIPPED persister metrics suite: ${skipReason}`);

suite('the persister process serves its own /metrics', () => {
  let database: TestDatabase;
  let broker: UnreachableKafka;
  let child: ChildProcess;
  let metricsUrl: string;
  let output = '';

  beforeAll(async () => {
    if (!existsSync(PERSISTER_MAIN)) throw new Error(`${PERSISTER_MAIN} is missing: build the server first (npm run build --workspace server)`);
    database = await createTestDatabase();
    broker = await refusingBroker();
    child = spawn(process.execPath, [PERSISTER_MAIN], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: database.url,
        REDIS_URL,
        KAFKA_BROKERS: broker.address,
        // A free port, for tests; the persister's default is 9464.
        METRICS_PORT: '0',
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    metricsUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the persister did not serve metrics in 30 s:\n${output}`)), 30_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        // Plain text or a JSON log line alike.
        const url = /metrics on (http:\/\/[^\s"]+)/.exec(output);
        if (url) {
          clearTimeout(timer);
          resolve(url[1]);
        }
      };
      child.stdout!.on('data', read);
      child.stderr!.on('data', read);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the persister exited with ${code}:\n${output}`));
      });
    });
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await broker?.stop();
    await database?.drop();
  });

  it('on METRICS_PORT, in Prometheus text: its batches, stores, bus and lag, engine states and Node’s process metrics', async () => {
    expect(new URL(metricsUrl).pathname).toBe('/metrics');
    const families = await scrape(metricsUrl);
    for (const [family, type] of Object.entries({
      parley_persister_batch_size: 'histogram',
      parley_persister_batch_duration_seconds: 'histogram',
      parley_sends_stored_total: 'counter',
      parley_persister_rejected_total: 'counter',
      parley_event_log_consumer_lag: 'gauge',
      parley_bus_published_total: 'counter',
      parley_engine_up: 'gauge',
      process_cpu_seconds_total: 'counter',
      nodejs_heap_size_used_bytes: 'gauge',
    })) {
      expect(families.get(family)?.type, family).toBe(type);
    }
    // PostgreSQL and Redis answer; the brokers refuse every connection.
    expect(valueOf(families, 'parley_engine_up', { engine: 'relational' })).toBe(1);
    expect(valueOf(families, 'parley_engine_up', { engine: 'cache' })).toBe(1);
    expect(valueOf(families, 'parley_engine_up', { engine: 'realtimeBus' })).toBe(1);
    expect(valueOf(families, 'parley_engine_up', { engine: 'eventLog' })).toBe(0);
  });

  it('serves nothing but /metrics there', async () => {
    const response = await fetch(new URL('/graphql', metricsUrl));
    expect(response.status).toBe(404);
    await response.body?.cancel();
  });
});
