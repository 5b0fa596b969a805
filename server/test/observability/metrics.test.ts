import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendAndDeliver, type Traffic } from '../support/metrics-traffic.js';
import { scrape, sumOf, valueOf, type Family, type MetricType } from '../support/prometheus-text.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { TestServer } from '../support/server.js';
import { deploymentSetups, pgliteTarget } from '../support/targets.js';
import { until } from '../support/until.js';

/** Every family /metrics must name, with its type: the list docs/operations.md#metrics documents. */
const PARLEY_FAMILIES: Record<string, MetricType> = {
  parley_http_request_duration_seconds: 'histogram',
  parley_sends_accepted_total: 'counter',
  parley_sends_stored_total: 'counter',
  parley_sends_rejected_total: 'counter',
  parley_persister_rejected_total: 'counter',
  parley_persister_batch_size: 'histogram',
  parley_persister_batch_duration_seconds: 'histogram',
  parley_deliveries_total: 'counter',
  parley_delivery_latency_seconds: 'histogram',
  parley_websocket_connections: 'gauge',
  parley_subscriptions: 'gauge',
  parley_event_log_consumer_lag: 'gauge',
  parley_bus_published_total: 'counter',
  parley_bus_publish_failures_total: 'counter',
  parley_bus_received_total: 'counter',
  parley_rate_limit_refusals_total: 'counter',
  parley_engine_up: 'gauge',
  parley_engine_probe_duration_seconds: 'gauge',
};

/** A few of Node's default process metrics (collectDefaultMetrics). */
const PROCESS_FAMILIES: Record<string, MetricType> = {
  process_cpu_seconds_total: 'counter',
  process_resident_memory_bytes: 'gauge',
  nodejs_heap_size_used_bytes: 'gauge',
  nodejs_eventloop_lag_p99_seconds: 'gauge',
  nodejs_gc_duration_seconds: 'histogram',
};

const count = (families: Map<string, Family>, histogram: string, labels: Record<string, string> = {}) => sumOf(families, `${histogram}_count`, labels);
const moved = (traffic: Traffic, read: (families: Map<string, Family>) => number) => read(traffic.during) - read(traffic.before);

for (const { name, target, env } of deploymentSetups(REDIS_URL, redisSkipReason)) {
  describe(`/metrics on ${name}`, () => {
    let server: TestServer;
    let traffic: Traffic;
    beforeAll(async () => {
      // One new chat per user an hour, so the traffic's second chat is refused (RATE_LIMITED, chat_create).
      server = await TestServer.start(target, { ...env, CHAT_CREATE_RATE_LIMIT: '1/3600s' });
      traffic = await sendAndDeliver(server, { refuseAChat: true });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('is Prometheus text on the main port, naming every Parley metric with its type and help, and Node’s process metrics', async () => {
      const response = await fetch(server.url.replace(/\/graphql$/, '/metrics'));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const families = await scrape(server.parley.metricsUrl);
      for (const [family, type] of Object.entries({ ...PARLEY_FAMILIES, ...PROCESS_FAMILIES })) {
        expect(families.get(family)?.type, family).toBe(type);
        expect(families.get(family)?.help, family).not.toBe('');
      }
      // Names follow Prometheus conventions: counters end in _total, durations are in seconds.
      for (const family of families.values()) {
        if (!family.name.startsWith('parley_')) continue;
        expect(PARLEY_FAMILIES, `${family.name} is documented and tested`).toHaveProperty(family.name);
        if (family.type === 'counter') expect(family.name).toMatch(/_total$/);
        if (family.name.includes('duration') || family.name.includes('latency')) expect(family.name).toMatch(/_seconds$/);
      }
    });

    it('moves every metric a send and its delivery touch', () => {
      const { before, during } = traffic;
      const mutation = { operation: 'mutation sendMessage' };
      expect(moved(traffic, (f) => count(f, 'parley_http_request_duration_seconds', { ...mutation, outcome: 'ok' }))).toBe(1);
      expect(moved(traffic, (f) => count(f, 'parley_http_request_duration_seconds', { ...mutation, outcome: 'BAD_USER_INPUT' }))).toBe(1);
      expect(moved(traffic, (f) => count(f, 'parley_http_request_duration_seconds', { operation: 'mutation createGroupChat', outcome: 'RATE_LIMITED' }))).toBe(1);
      expect(moved(traffic, (f) => valueOf(f, 'parley_sends_accepted_total'))).toBe(1);
      expect(moved(traffic, (f) => valueOf(f, 'parley_sends_rejected_total', { code: 'BAD_USER_INPUT' }))).toBe(1);
      // The persister runs inline here (no Kafka): it stored the send, in one batch at least.
      expect(moved(traffic, (f) => valueOf(f, 'parley_sends_stored_total'))).toBe(1);
      expect(moved(traffic, (f) => count(f, 'parley_persister_batch_size'))).toBeGreaterThanOrEqual(1);
      expect(moved(traffic, (f) => count(f, 'parley_persister_batch_duration_seconds', { outcome: 'ok' }))).toBeGreaterThanOrEqual(1);
      expect(moved(traffic, (f) => valueOf(f, 'parley_bus_published_total'))).toBeGreaterThanOrEqual(1);
      expect(moved(traffic, (f) => valueOf(f, 'parley_bus_received_total'))).toBeGreaterThanOrEqual(1);
      expect(moved(traffic, (f) => valueOf(f, 'parley_deliveries_total'))).toBeGreaterThanOrEqual(1);
      expect(moved(traffic, (f) => count(f, 'parley_delivery_latency_seconds'))).toBe(1);
      expect(valueOf(during, 'parley_delivery_latency_seconds_sum')).toBeGreaterThan(valueOf(before, 'parley_delivery_latency_seconds_sum'));
      expect(valueOf(during, 'parley_delivery_latency_seconds_bucket', { le: '+Inf' })).toBe(valueOf(during, 'parley_delivery_latency_seconds_count'));
      expect(moved(traffic, (f) => valueOf(f, 'parley_rate_limit_refusals_total', { kind: 'chat_create' }))).toBe(1);
      expect(moved(traffic, (f) => valueOf(f, 'parley_websocket_connections'))).toBe(1);
      expect(moved(traffic, (f) => valueOf(f, 'parley_subscriptions'))).toBe(1);
      expect(valueOf(during, 'parley_bus_publish_failures_total')).toBe(0);
    });

    it('reports every configured engine up, with its probe duration', () => {
      const engines = ['relational', 'messageStore', 'realtimeBus', 'eventLog', ...(env.REDIS_URL ? ['cache'] : [])];
      const up = traffic.during.get('parley_engine_up')!.samples;
      expect(Object.fromEntries(up.map((s) => [s.labels.engine, s.value]))).toEqual(Object.fromEntries(engines.map((e) => [e, 1])));
      const probes = traffic.during.get('parley_engine_probe_duration_seconds')!.samples;
      expect(probes.map((s) => s.labels.engine).sort()).toEqual([...engines].sort());
      for (const probe of probes) expect(probe.value).toBeLessThan(1.5);
    });

    it('creates the series of every rate limit and send error code up front, at zero', () => {
      const kinds = traffic.before.get('parley_rate_limit_refusals_total')!.samples.map((s) => s.labels.kind);
      expect(kinds.sort()).toEqual(['chat_create', 'login_address', 'login_success', 'login_username', 'operations', 'send', 'signup']);
      const codes = traffic.before.get('parley_sends_rejected_total')!.samples.map((s) => s.labels.code);
      expect(codes).toEqual(expect.arrayContaining(['BAD_USER_INPUT', 'FORBIDDEN', 'RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL_SERVER_ERROR']));
    });

    it('gives the socket and the subscription back once the client is gone', async () => {
      await until(async () => {
        const now = await scrape(server.parley.metricsUrl);
        return valueOf(now, 'parley_websocket_connections') === valueOf(traffic.before, 'parley_websocket_connections') &&
          valueOf(now, 'parley_subscriptions') === valueOf(traffic.before, 'parley_subscriptions');
      });
    });

    it('labels HTTP requests by type and root field, never by the operation name a client chose', async () => {
      const { ada } = traffic;
      const names = Array.from({ length: 5 }, (_, i) => `Attacker${i}${Date.now()}`);
      for (const opName of names) await server.ok(`query ${opName} { me { id } }`, {}, ada.token);
      await server.ok(`query Several { me { id } chats(first: 1) { edges { cursor } } }`, {}, ada.token);
      await server.gql(`query { noSuchField }`, {}, ada.token);
      const families = await scrape(server.parley.metricsUrl);
      const labels = families.get('parley_http_request_duration_seconds')!.samples.map((s) => s.labels.operation);
      for (const opName of names) expect(labels.some((l) => l.includes(opName))).toBe(false);
      expect(count(families, 'parley_http_request_duration_seconds', { operation: 'query me', outcome: 'ok' })).toBeGreaterThanOrEqual(5);
      expect(count(families, 'parley_http_request_duration_seconds', { operation: 'query (several)', outcome: 'ok' })).toBe(1);
      expect(count(families, 'parley_http_request_duration_seconds', { operation: 'unknown', outcome: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    });
  });
}

describe('METRICS_PORT', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget, { METRICS_PORT: '0' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('moves /metrics off the main port: the main port answers 404, the metrics port serves it and nothing else', async () => {
    const main = new URL(server.url);
    const metrics = new URL(server.parley.metricsUrl);
    expect(metrics.port).not.toBe(main.port);
    expect(metrics.pathname).toBe('/metrics');

    const onMain = await fetch(new URL('/metrics', main));
    expect(onMain.status).toBe(404);
    await onMain.body?.cancel();

    const families = await scrape(metrics.href);
    expect(families.get('parley_sends_accepted_total')?.type).toBe('counter');
    expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');

    for (const path of ['/graphql', '/healthz', '/']) {
      const response = await fetch(new URL(path, metrics));
      expect(response.status, path).toBe(404);
      await response.body?.cancel();
    }
    const post = await fetch(metrics, { method: 'POST' });
    expect(post.status).toBe(405);
    await post.body?.cancel();
  });
});
