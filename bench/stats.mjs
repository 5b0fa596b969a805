/** Percentiles by nearest rank over every sample (no histogram rounding). */

/** A growable Float64Array: millions of samples without boxing each number. */
export class Samples {
  constructor(capacity = 1024) {
    this.values = new Float64Array(capacity);
    this.length = 0;
  }

  push(value) {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }

  /** A trimmed copy, the form that crosses process boundaries. */
  toArray() {
    return this.values.slice(0, this.length);
  }
}

/** Concatenates typed arrays (one per worker) into one. */
export function concat(arrays) {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const out = new Float64Array(total);
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

const round = (value, digits = 2) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : null);

/** count, min, mean, p50, p95, p99, max, in the samples' unit (milliseconds here). */
export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0, min: null, mean: null, p50: null, p95: null, p99: null, max: null };
  const at = (p) => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return {
    count: n,
    min: round(sorted[0]),
    mean: round(sum / n),
    p50: round(at(50)),
    p95: round(at(95)),
    p99: round(at(99)),
    max: round(sorted[n - 1]),
  };
}

export { round };
