import { setTimeout as delay } from 'node:timers/promises';

/** The first retry waits up to this long; each later one up to twice the last, capped. */
const FIRST_BACKOFF_MS = 5;
const MAX_BACKOFF_MS = 200;

/**
 * "Full jitter": a random wait below the exponential bound, so writers that
 * collided once do not collide again in lock step.
 */
export function conflictBackoffMs(attempt: number, random: () => number = Math.random): number {
  const bound = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.min(attempt - 1, 16));
  return Math.round(random() * bound);
}

export const sleep = (ms: number): Promise<void> => delay(ms).then(() => undefined);
