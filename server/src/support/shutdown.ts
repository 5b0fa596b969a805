/** One named part of a shutdown: it counts as still open until it settles. */
export type ShutdownStep = <T>(name: string, run: () => Promise<T>) => Promise<T>;

/** A shutdown that outlived SHUTDOWN_TIMEOUT, and what it was still waiting for. */
export class ShutdownTimeout extends Error {
  constructor(
    readonly timeoutMs: number,
    readonly stillOpen: string[],
  ) {
    super(`shutdown did not finish within ${timeoutMs / 1000}s; still open: ${stillOpen.join(', ') || 'nothing named'}`);
  }
}

/**
 * Runs a shutdown whose parts are named through `step`, and settles within
 * `timeoutMs` whatever hangs: as the shutdown itself settles, or with a
 * ShutdownTimeout naming the parts still open. Those are left running: the
 * process is about to exit, and a hung engine would hold it forever.
 */
export async function closeWithin(timeoutMs: number, shutdown: (step: ShutdownStep) => Promise<void>): Promise<void> {
  const open = new Set<string>();
  const step: ShutdownStep = async (name, run) => {
    open.add(name);
    try {
      return await run();
    } finally {
      open.delete(name);
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ShutdownTimeout(timeoutMs, [...open])), timeoutMs);
  });
  try {
    await Promise.race([shutdown(step), overrun]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The part of SHUTDOWN_TIMEOUT in-flight requests and open sockets get before
 * they are cut: two-thirds (10 s of the default 15 s, about twice the
 * APPEND_DEADLINE_MS a send may wait on Kafka). The last third is for the event log to finish the batch
 * in hand and the engines to close.
 */
export const requestGraceOf = (shutdownTimeoutMs: number): number => Math.round((shutdownTimeoutMs * 2) / 3);
