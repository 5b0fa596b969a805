import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Counter, Gauge, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { METRICS_COLLECT_TIMEOUT_MS } from '../config/tuning.js';
import type { Metrics, MetricsSource } from '../observability/metrics.js';

/*
 * /metrics with WORKERS>1. Each worker keeps its own registry, and a scrape
 * that reached one worker would see a random share of the traffic. So the
 * primary asks every ready worker for its registries as JSON, adds its own
 * (the workers' count and restarts), and merges them with prom-client's AggregatorRegistry.aggregate: counters
 * and histograms summed, each gauge by its `aggregator` (sockets summed,
 * engine up the minimum, event loop lag averaged…). The primary serves that
 * on METRICS_PORT; without METRICS_PORT, whichever worker the API port's
 * scrape reached asks the primary for it.
 *
 * Not AggregatorRegistry.clusterMetrics(): it asks every forked worker,
 * including one still starting that cannot answer yet, and then fails the
 * whole scrape after 5 s. Here only workers that said they are ready are
 * asked, and one that dies meanwhile is left out.
 *
 * A worker's counters leave the sum with it: when one is replaced, summed
 * counters go down once, which Prometheus reads as a counter reset.
 */

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** The messages of the metrics protocol, on the cluster's IPC channel. */
type Message =
  | { parley: 'metrics:collect'; id: number }
  | { parley: 'metrics:collected'; id: number; metrics?: MetricsJson[]; error?: string }
  | { parley: 'metrics:scrape'; id: number }
  | { parley: 'metrics:scraped'; id: number; text?: string; error?: string };

const isMessage = (value: unknown): value is Message =>
  typeof value === 'object' && value !== null && typeof (value as { parley?: unknown }).parley === 'string' && (value as { parley: string }).parley.startsWith('metrics:');

/** How long a worker waits for the primary's aggregate. */
const SCRAPE_TIMEOUT_MS = METRICS_COLLECT_TIMEOUT_MS + 1_000;

/** In a worker: answers the primary's collections, and serves /metrics with the primary's aggregate. */
export function shareMetricsWithPrimary(metrics: Metrics): void {
  let nextId = 0;
  const scrapes = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.parley === 'metrics:collect') {
      const reply = (answer: Omit<Extract<Message, { parley: 'metrics:collected' }>, 'parley' | 'id'>) => {
        if (process.connected) process.send!({ parley: 'metrics:collected', id: message.id, ...answer });
      };
      Promise.all(metrics.registries().map((registry) => registry.getMetricsAsJSON())).then(
        (json) => reply({ metrics: json as MetricsJson[] }),
        (error: Error) => reply({ error: error.message }),
      );
    } else if (message.parley === 'metrics:scraped') {
      const scrape = scrapes.get(message.id);
      scrapes.delete(message.id);
      if (message.text !== undefined) scrape?.resolve(message.text);
      else scrape?.reject(new Error(message.error ?? 'no metrics'));
    }
  });
  metrics.exposeThrough(
    () =>
      new Promise<string>((resolve, reject) => {
        if (!process.connected) return reject(new Error('the primary process is gone'));
        const id = nextId++;
        const timer = setTimeout(() => {
          scrapes.delete(id);
          reject(new Error('the primary did not answer with the aggregated metrics'));
        }, SCRAPE_TIMEOUT_MS);
        scrapes.set(id, {
          resolve: (text) => (clearTimeout(timer), resolve(text)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        });
        process.send!({ parley: 'metrics:scrape', id } satisfies Message);
      }),
  );
}

/** One scrape's round of the workers: who has yet to answer, and the registries (as JSON) so far. */
interface Collection {
  waiting: Set<number>;
  registries: MetricsJson[];
  done(error?: Error): void;
}

/** In the primary: every ready worker's metrics and its own, aggregated. */
export class ClusterMetrics implements MetricsSource {
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;
  private readonly own = new Registry();
  private readonly workers: Gauge;
  private readonly restarts: Counter;
  private readonly collections = new Map<number, Collection>();
  private nextId = 0;

  /** `ready`: the workers that have said they serve (only they are asked). */
  constructor(private readonly ready: () => Worker[]) {
    // No process metrics of the primary's own: averaged in, its idle event loop would hide the workers' lag.
    this.workers = new Gauge({ name: 'parley_workers', help: 'WORKERS>1: worker processes serving (started and ready).', registers: [this.own] });
    this.restarts = new Counter({
      name: 'parley_worker_restarts_total',
      help: 'WORKERS>1: workers started to replace one that exited unexpectedly.',
      registers: [this.own],
    });
    cluster.on('message', (worker, message: unknown) => {
      if (!isMessage(message)) return;
      if (message.parley === 'metrics:collected') this.collected(worker, message);
      else if (message.parley === 'metrics:scrape') {
        const reply = (answer: { text?: string; error?: string }) => {
          if (worker.isConnected()) worker.send({ parley: 'metrics:scraped', id: message.id, ...answer } satisfies Message);
        };
        this.exposition().then(
          (text) => reply({ text }),
          (error: Error) => reply({ error: error.message }),
        );
      }
    });
    // A worker that dies is not waited for.
    cluster.on('exit', (worker) => {
      for (const collection of this.collections.values()) {
        if (collection.waiting.delete(worker.id) && collection.waiting.size === 0) collection.done();
      }
    });
  }

  restarted(): void {
    this.restarts.inc();
  }

  async exposition(): Promise<string> {
    this.workers.set(this.ready().length);
    const [ownJson, workersJson] = await Promise.all([this.own.getMetricsAsJSON() as Promise<MetricsJson>, this.collect()]);
    return AggregatorRegistry.aggregate([ownJson, ...workersJson]).metrics();
  }

  private collect(): Promise<MetricsJson[]> {
    const workers = this.ready().filter((worker) => worker.isConnected());
    if (workers.length === 0) return Promise.resolve([]);
    const id = this.nextId++;
    return new Promise<MetricsJson[]>((resolve, reject) => {
      const timer = setTimeout(() => collection.done(new Error(`workers ${[...collection.waiting].join(', ')} did not send their metrics within ${METRICS_COLLECT_TIMEOUT_MS / 1000} s`)), METRICS_COLLECT_TIMEOUT_MS);
      const collection: Collection = {
        waiting: new Set(workers.map((worker) => worker.id)),
        registries: [],
        done: (error) => {
          clearTimeout(timer);
          this.collections.delete(id);
          if (error) reject(error);
          else resolve(collection.registries);
        },
      };
      this.collections.set(id, collection);
      for (const worker of workers) worker.send({ parley: 'metrics:collect', id } satisfies Message);
    });
  }

  private collected(worker: Worker, message: Extract<Message, { parley: 'metrics:collected' }>): void {
    const collection = this.collections.get(message.id);
    if (!collection || !collection.waiting.delete(worker.id)) return;
    if (message.error !== undefined || !message.metrics) return collection.done(new Error(`worker ${worker.id}: ${message.error ?? 'no metrics'}`));
    collection.registries.push(...message.metrics);
    if (collection.waiting.size === 0) collection.done();
  }
}
