import { describe, expect, it } from 'vitest';
import { retryDelayMs, sleep, withDeadline } from '../../src/event-log/timing.js';

describe('retry back-off', () => {
  it('doubles from 200 ms and stays at 30 s', () => {
    expect(Array.from({ length: 10 }, (_, i) => retryDelayMs(i))).toEqual([200, 400, 800, 1_600, 3_200, 6_400, 12_800, 25_600, 30_000, 30_000]);
    expect(retryDelayMs(10_000)).toBe(30_000);
  });
});

describe('withDeadline', () => {
  it('settles like the work when it is in time', async () => {
    await expect(withDeadline(Promise.resolve(7), 50, () => new Error('late'))).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('failed')), 50, () => new Error('late'))).rejects.toThrow('failed');
  });

  it('rejects with the deadline error when the work hangs', async () => {
    const started = Date.now();
    await expect(withDeadline(new Promise(() => {}), 50, () => new Error('late'))).rejects.toThrow('late');
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('sleep', () => {
  it('wakes early, without throwing, when aborted', async () => {
    const stop = new AbortController();
    const started = Date.now();
    setTimeout(() => stop.abort(), 20);
    await sleep(10_000, stop.signal);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
