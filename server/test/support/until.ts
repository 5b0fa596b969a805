/** Polls `check` every 100 ms until it holds; fails after `ms` (a hang guard, not a speed check). */
export async function until(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Polls `find` every 100 ms until it returns something; that value, or a failure after `ms`. */
export async function untilFound<T>(find: () => T | undefined, ms = 10_000): Promise<T> {
  let value: T | undefined;
  await until(() => (value = find()) !== undefined, ms);
  return value!;
}
