import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HotHistogram } from '../../src/observability/hot-histogram.js';
import { parsePrometheusText } from '../support/prometheus-text.js';

describe('HotHistogram', () => {
  it('exposes exactly what prom-client’s Histogram exposes for the same observations', async () => {
    const bounds = [0.001, 0.01, 0.1, 1, 10];
    const observations = [0, 0.0005, 0.001, 0.002, 0.05, 0.1, 0.7, 3, 10, 11, 120];
    const hotRegistry = new Registry();
    const hot = new HotHistogram('x_seconds', 'help text', bounds, hotRegistry);
    const reference = new Registry();
    const histogram = new Histogram({ name: 'x_seconds', help: 'help text', buckets: bounds, registers: [reference] });
    for (const value of observations) {
      hot.observe(value);
      histogram.observe(value);
    }
    const text = await hotRegistry.metrics();
    expect(text).toBe(await reference.metrics());
    const family = parsePrometheusText(text).get('x_seconds')!;
    expect(family.type).toBe('histogram');
    expect(family.samples.find((s) => s.name === 'x_seconds_count')?.value).toBe(observations.length);

    hot.reset();
    const cleared = parsePrometheusText(await hotRegistry.metrics()).get('x_seconds')!;
    expect(cleared.samples.every((s) => s.value === 0)).toBe(true);
  });
});
