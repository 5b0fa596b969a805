// No imports: the web client takes this module alone (`@parley/sdk/backoff`).
export interface BackoffOptions {
  /** Upper bound of the first wait. */
  initialDelayMs: number;
  /** The wait stops doubling here. */
  maxDelayMs: number;
}

/**
 * The wait before retry number `attempt` (0 for the first): exponential, with
 * "equal jitter": half of the step is fixed, so a retry never fires at once
 * into an outage, and half is random, so a thousand clients cut off together
 * do not all come back in the same millisecond.
 */
export function backoffDelay(attempt: number, { initialDelayMs, maxDelayMs }: BackoffOptions, random: () => number = Math.random): number {
  const step = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, attempt));
  return Math.round(step / 2 + random() * (step / 2));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
