import { describe, expect, it } from 'vitest';
import * as tuning from '../src/config/tuning.js';

describe('tuning constants', () => {
  it('the send path nests inside its answer: a Kafka request within the append deadline, both within SEND_ANSWER_MS', () => {
    expect(tuning.KAFKA_REQUEST_TIMEOUT_MS).toBeLessThan(tuning.APPEND_DEADLINE_MS);
    expect(tuning.APPEND_DEADLINE_MS).toBeLessThan(tuning.SEND_ANSWER_MS);
    expect(tuning.CONFLICT_RETRY_BUDGET_MS).toBeLessThan(tuning.SEND_ANSWER_MS);
  });

  it('the primary waits for the workers longer than each of them may spend on its engine probes', () => {
    expect(tuning.METRICS_COLLECT_TIMEOUT_MS).toBeGreaterThan(tuning.READINESS_PROBE_MS);
  });

  it('every constant is a positive number', () => {
    for (const [name, value] of Object.entries(tuning)) {
      const numbers = typeof value === 'number' ? [value] : Object.values(value);
      for (const n of numbers) expect(n, name).toBeGreaterThan(0);
    }
  });
});
