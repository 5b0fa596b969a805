/**
 * One clock for every bench process: wall-clock milliseconds with sub-millisecond
 * resolution. performance.timeOrigin is taken from the system clock when each
 * process starts, so timestamps taken in different processes on one machine
 * can be subtracted (a send stamped in the sender, received in a subscriber).
 */
export const now = () => performance.timeOrigin + performance.now();

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects after ms with a message naming what was being waited for. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(ms / 1000)} s: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
