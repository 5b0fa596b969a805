import { setTimeout as delay } from 'node:timers/promises';

/**
 * The wait before retry number `attempt` (0-based) of a failed batch: doubling
 * from 200 ms, capped at 30 s, so a short outage is retried quickly and a long
 * one does not hammer the store or the brokers.
 */
export function retryDelayMs(attempt: number): number {
  return Math.min(30_000, 200 * 2 ** Math.min(attempt, 16));
}

/**
 * Settles like `work`, or rejects with `onTimeout()` after `ms`, whichever
 * comes first. The work itself is not cancelled; callers bound it separately.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves after `ms`, or early (without throwing) once `signal` aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch(() => undefined);
}
