/**
 * At most `slots` tasks run at once; the rest wait in arrival order. For work
 * that is expensive per call (scrypt), where letting every request start at
 * once only makes all of them slow.
 */
export class Semaphore {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly slots: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so no newcomer can take it in between.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
