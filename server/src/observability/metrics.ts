import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DomainErrorCode } from '../domain/errors.js';
import { deliveryStamp } from './delivery-stamps.js';
import { GraphqlHttpMetrics } from './graphql-http-metrics.js';
import { HotHistogram } from './hot-histogram.js';
import {
  RATE_LIMIT_KINDS,
  type BusMeter,
  type ConsumerMeter,
  type PersisterMeter,
  type RateLimitKind,
  type RateLimitMeter,
  type SendMeter,
  type SocketMeter,
  type SubscriptionMeter,
} from './meters.js';

/*
 * Every metric Parley exports (docs/operations.md#metrics lists them), on one
 * registry per Parley instance or persister process. Tests start many
 * instances in one process, so nothing goes to prom-client's global registry.
 * Hot paths (a send, a delivery) touch series created here once: an unlabelled
 * series, or a labelled child kept in a map, never a labels object per call.
 */

/** Each engine's state as /readyz reports it (engines.ts). */
export interface EngineReadiness {
  engines: Record<string, 'up' | 'down'>;
  latencyMs: Record<string, number>;
}

const SEND_CODES: readonly (DomainErrorCode | 'INTERNAL_SERVER_ERROR')[] = [
  'BAD_USER_INPUT',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
];

/** Seconds, for request and batch durations: a millisecond to ten seconds (the longest deadlines here are 5 s). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Delivery latency: from a sub-millisecond local fan-out to a minute behind (a persister catching up). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Envelopes per persister call: the logs hand over at most 500. */
const BATCH_SIZE_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500];

/*
 * Node's process metrics (CPU, memory, event loop delay, GC, handles) describe
 * the process, not a Parley instance, and their collectors install observers
 * (a GC PerformanceObserver, an event-loop-delay monitor) that prom-client
 * never removes. Installed once per process on a registry of their own, and
 * appended to every instance's exposition: a test that starts fifty instances
 * does not leave fifty GC observers behind.
 */
/** A labelled counter's series, shown at 0 from the start: rate() and dashboards need a series before the first event. */
function zeroed<T extends { inc(value?: number): void }>(child: T): T {
  child.inc(0);
  return child;
}

let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** What /metrics answers with: one instance's figures, or (WORKERS>1) every worker's, aggregated. */
export interface MetricsSource {
  readonly contentType: string;
  exposition(): Promise<string>;
}

export class Metrics implements MetricsSource {
  readonly registry = new Registry();
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;

  readonly http: GraphqlHttpMetrics;
  readonly sends: SendMeter;
  readonly persister: PersisterMeter;
  readonly bus: BusMeter;
  readonly consumer: ConsumerMeter;
  readonly sockets: SocketMeter;
  readonly subscriptions: SubscriptionMeter;
  readonly rateLimits: RateLimitMeter;

  private readiness: (() => Promise<EngineReadiness>) | null = null;
  private probing: Promise<EngineReadiness | null> | null = null;
  private source: (() => Promise<string>) | null = null;

  constructor() {
    const registers = [this.registry];

    this.http = new GraphqlHttpMetrics(
      new Histogram({
        name: 'parley_http_request_duration_seconds',
        help: 'GraphQL requests over HTTP, from the first byte in to the last byte out, by operation (type and root field) and outcome (ok or the first error code).',
        labelNames: ['operation', 'outcome'],
        buckets: DURATION_BUCKETS,
        registers,
      }),
    );

    const accepted = new Counter({ name: 'parley_sends_accepted_total', help: 'sendMessage calls the event log acknowledged.', registers });
    const rejectedSends = new Counter({
      name: 'parley_sends_rejected_total',
      help: 'Sends by a signed-in user the message service refused, by code (calls refused before it: see parley_http_request_duration_seconds).',
      labelNames: ['code'],
      registers,
    });
    const rejectedByCode = new Map(SEND_CODES.map((code) => [code as string, zeroed(rejectedSends.labels(code))]));
    const otherRejection = rejectedByCode.get('INTERNAL_SERVER_ERROR')!;
    this.sends = {
      accepted: () => accepted.inc(),
      rejected: (code) => (rejectedByCode.get(code) ?? otherRejection).inc(),
    };

    const stored = new Counter({ name: 'parley_sends_stored_total', help: 'Text messages the persister wrote to the store for the first time.', registers });
    const persisterRejected = new Counter({
      name: 'parley_persister_rejected_total',
      help: 'Envelopes the persister can never store (dead letters with Kafka), by code: CONFLICT (made moot) or BAD_USER_INPUT.',
      labelNames: ['code'],
      registers,
    });
    const moot = zeroed(persisterRejected.labels('CONFLICT'));
    const invalid = zeroed(persisterRejected.labels('BAD_USER_INPUT'));
    const batchSize = new Histogram({
      name: 'parley_persister_batch_size',
      help: 'Envelopes per persister batch.',
      buckets: BATCH_SIZE_BUCKETS,
      registers,
    });
    const batchDuration = new Histogram({
      name: 'parley_persister_batch_duration_seconds',
      help: 'How long the persister took over one batch (store, chat summaries, and with Kafka the publishes), by outcome (ok, or error: retried whole).',
      labelNames: ['outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    batchDuration.zero({ outcome: 'ok' });
    batchDuration.zero({ outcome: 'error' });
    const batchOk = batchDuration.labels('ok');
    const batchError = batchDuration.labels('error');
    this.persister = {
      batch: (size, seconds, ok) => {
        batchSize.observe(size);
        (ok ? batchOk : batchError).observe(seconds);
      },
      stored: (count) => {
        if (count > 0) stored.inc(count);
      },
      rejected: (code) => (code === 'CONFLICT' ? moot : invalid).inc(),
    };

    const published = new Counter({ name: 'parley_bus_published_total', help: 'Payloads this process published on the realtime bus.', registers });
    const publishFailures = new Counter({ name: 'parley_bus_publish_failures_total', help: 'Publishes on the realtime bus that failed.', registers });
    const received = new Counter({
      name: 'parley_bus_received_total',
      help: "Payloads the realtime bus brought to this process's subscribers (once per payload and channel, however many subscribe).",
      registers,
    });
    this.bus = { published: () => published.inc(), publishFailed: () => publishFailures.inc(), received: () => received.inc() };

    const lag = new Gauge({
      name: 'parley_event_log_consumer_lag',
      help: 'Kafka only: messages of each partition this persister holds that are not handled yet (high watermark minus committed offset).',
      labelNames: ['partition'],
      registers,
    });
    this.consumer = { lag: (partition, messages) => lag.set({ partition: String(partition) }, messages), reassigned: () => lag.reset() };

    const sockets = new Gauge({ name: 'parley_websocket_connections', help: 'graphql-ws sockets open on this instance.', registers });
    const deliveries = new Counter({
      name: 'parley_deliveries_total',
      help: 'Subscription events (messages, chat events, chat list and presence updates) written to subscriber sockets.',
      registers,
    });
    // Observed once per delivery: a histogram that allocates nothing (hot-histogram.ts).
    const latency = new HotHistogram(
      'parley_delivery_latency_seconds',
      'From a message accepted (acceptedAt) to its delivery written to a subscriber socket; live deliveries only, not replays.',
      LATENCY_BUCKETS,
      this.registry,
    );
    this.sockets = {
      opened: () => sockets.inc(),
      closed: () => sockets.dec(),
      written: (payload) => {
        const acceptedAt = deliveryStamp(payload);
        if (acceptedAt === undefined) return;
        deliveries.inc();
        // NaN: an event that carries no newly accepted message.
        if (acceptedAt === acceptedAt) latency.observe(Math.max(0, Date.now() - acceptedAt) / 1000);
      },
    };

    const subscriptions = new Gauge({ name: 'parley_subscriptions', help: 'GraphQL subscriptions executing on this instance.', registers });
    this.subscriptions = { started: () => subscriptions.inc(), ended: () => subscriptions.dec() };

    const refusals = new Counter({
      name: 'parley_rate_limit_refusals_total',
      help: 'Requests refused with RATE_LIMITED, by the limit that refused them.',
      labelNames: ['kind'],
      registers,
    });
    const refusalsByKind = new Map(RATE_LIMIT_KINDS.map((kind) => [kind, zeroed(refusals.labels(kind))]));
    this.rateLimits = { refused: (kind: RateLimitKind) => refusalsByKind.get(kind)!.inc() };

    // Engines are probed when Prometheus scrapes, the way /readyz probes them: each probe is bounded
    // (READINESS_PROBE_MS), so a scrape waits at most that long for a hung engine.
    const probe = () =>
      (this.probing ??= (this.readiness?.() ?? Promise.resolve(null)).catch(() => null).finally(() => (this.probing = null)));
    // Aggregated over workers (WORKERS>1, cluster/metrics.ts): up only when every worker's probe answered, and the slowest probe.
    new Gauge({
      name: 'parley_engine_up',
      help: 'Each configured engine: 1 when its readiness probe answered, 0 when it failed or timed out (as /readyz reports).',
      labelNames: ['engine'],
      aggregator: 'min',
      registers,
      async collect() {
        const state = await probe();
        if (state) for (const [engine, up] of Object.entries(state.engines)) this.set({ engine }, up === 'up' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'parley_engine_probe_duration_seconds',
      help: "How long each engine's readiness probe took (a hung engine shows the probe deadline).",
      labelNames: ['engine'],
      aggregator: 'max',
      registers,
      async collect() {
        const state = await probe();
        if (state) for (const [engine, ms] of Object.entries(state.latencyMs)) this.set({ engine }, ms / 1000);
      },
    });
  }

  /** The engines behind `parley_engine_up`: probed at each scrape, never more than one probe round at a time. */
  watchEngines(readiness: () => Promise<EngineReadiness>): void {
    this.readiness = readiness;
  }

  /** This instance's registry and the process's: what a worker hands the primary to aggregate. */
  registries(): Registry[] {
    return [this.registry, processMetrics()];
  }

  /** In a worker of WORKERS>1: /metrics answers with what `source` gives (every worker's figures) instead of this instance's. */
  exposeThrough(source: () => Promise<string>): void {
    this.source = source;
  }

  /** This instance's metrics, then the process's, in the Prometheus text format. */
  async exposition(): Promise<string> {
    if (this.source) return this.source();
    const [own, node] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return `${own}\n${node}`;
  }
}
