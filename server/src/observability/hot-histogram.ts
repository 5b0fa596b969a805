import type { Metric, Registry } from 'prom-client';

/**
 * An unlabelled histogram for a path that runs once per delivery. prom-client's
 * Histogram.observe builds a closure and two objects and hashes the (empty)
 * label set on every call: about 300 ns here, against 10 ns for a counter; at
 * the benchmark's 160,000 deliveries a second that is 5% of a core. This one
 * bumps a bucket in a typed array. It is registered on a prom-client Registry
 * like any metric (the registry reads `name` and calls `get()`), so the
 * exposition and its format stay prom-client's.
 */
export class HotHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** Observations per bucket, not cumulative; the last slot is past the largest bound. */
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
    registry.registerMetric(this as unknown as Metric);
  }

  observe(value: number): void {
    const { bounds } = this;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  /** What prom-client's Histogram.get() returns: cumulative buckets, then +Inf, sum and count. */
  async get() {
    const bucket = `${this.name}_bucket`;
    let cumulative = 0;
    const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = this.bounds.map((le, i) => ({
      metricName: bucket,
      labels: { le },
      value: (cumulative += this.counts[i]),
    }));
    values.push(
      { metricName: bucket, labels: { le: '+Inf' }, value: this.count },
      { metricName: `${this.name}_sum`, labels: {}, value: this.sum },
      { metricName: `${this.name}_count`, labels: {}, value: this.count },
    );
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}
