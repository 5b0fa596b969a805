import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { SUBSCRIBER_BACKLOG_MAX } from '../../src/config/tuning.js';
import { AsyncQueue } from '../../src/support/async-queue.js';

/** What a promise has come to once pending callbacks have run: its result, or 'pending'. */
async function state<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown } | 'pending'> {
  const pending = Symbol('pending');
  const settled = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  const result = await Promise.race([settled, new Promise<typeof pending>((resolve) => setImmediate(() => resolve(pending)))]);
  return result === pending ? 'pending' : result;
}

function queue<T>() {
  let closes = 0;
  const q = new AsyncQueue<T>(() => closes++);
  return { q, reads: q[Symbol.asyncIterator](), closes: () => closes };
}

describe('AsyncQueue', () => {
  it('hands out what was pushed before the read, in order', async () => {
    const { q, reads } = queue<number>();
    q.push(1);
    q.push(2);
    expect(await reads.next()).toEqual({ value: 1, done: false });
    expect(await reads.next()).toEqual({ value: 2, done: false });
    expect(await state(reads.next())).toBe('pending');
  });

  it('resolves a waiting read with the next push', async () => {
    const { q, reads } = queue<string>();
    const read = reads.next();
    expect(await state(read)).toBe('pending');
    q.push('a');
    expect(await read).toEqual({ value: 'a', done: false });
  });

  it('reads with for await until closed', async () => {
    const { q } = queue<number>();
    const seen: number[] = [];
    const reading = (async () => {
      for await (const value of q) seen.push(value);
    })();
    q.push(1);
    await new Promise((resolve) => setImmediate(resolve));
    q.push(2);
    q.push(3);
    await new Promise((resolve) => setImmediate(resolve));
    q.close();
    await reading;
    expect(seen).toEqual([1, 2, 3]);
  });

  it('return() ends a waiting read as done, closes once, and every later read is done at once', async () => {
    const { q, reads, closes } = queue<number>();
    const waiting = reads.next();
    expect(await reads.return!()).toEqual({ value: undefined, done: true });
    expect(await state(waiting)).toEqual({ value: { value: undefined, done: true } });
    expect(q.closed).toBe(true);
    expect(closes()).toBe(1);
    q.close();
    await reads.return!();
    expect(closes()).toBe(1);
    expect(await state(reads.next())).toEqual({ value: { value: undefined, done: true } });
  });

  it('breaking out of for await closes it', async () => {
    const { q, closes } = queue<number>();
    q.push(1);
    for await (const value of q) {
      expect(value).toBe(1);
      break;
    }
    expect(q.closed).toBe(true);
    expect(closes()).toBe(1);
  });

  it('drops what was not read when closed, and ignores pushes afterwards', async () => {
    const { q, reads } = queue<number>();
    q.push(1);
    q.close();
    q.push(2);
    expect(await reads.next()).toEqual({ value: undefined, done: true });
  });

  it('fail() rejects a waiting read with the error, and every later read too', async () => {
    const { q, reads, closes } = queue<number>();
    const waiting = reads.next();
    const error = new Error('bus lost');
    q.fail(error);
    expect(await state(waiting)).toEqual({ error });
    expect(await state(reads.next())).toEqual({ error });
    expect(q.closed).toBe(true);
    expect(closes()).toBe(1);
  });

  it('fail() after values were pushed: the reader sees the error, not the values (resume is by seq)', async () => {
    const { q, reads } = queue<number>();
    q.push(1);
    q.fail(new Error('bus lost'));
    await expect(reads.next()).rejects.toThrow('bus lost');
  });

  it('fail() after close() changes nothing: the queue ended plainly', async () => {
    const { q, reads } = queue<number>();
    q.close();
    q.fail(new Error('late'));
    expect(await reads.next()).toEqual({ value: undefined, done: true });
  });

  it('ends with UNAVAILABLE when the reader falls SUBSCRIBER_BACKLOG_MAX values behind', async () => {
    const { q, reads, closes } = queue<number>();
    for (let i = 0; i < SUBSCRIBER_BACKLOG_MAX; i++) q.push(i);
    expect(q.closed).toBe(false);
    q.push(SUBSCRIBER_BACKLOG_MAX);
    expect(q.closed).toBe(true);
    expect(closes()).toBe(1);
    const error = await reads.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).extensions.code).toBe('UNAVAILABLE');
  });

  it('a reader that keeps up is never cut off, however much passes through', async () => {
    const { q, reads } = queue<number>();
    for (let i = 0; i < SUBSCRIBER_BACKLOG_MAX * 2; i++) {
      const read = reads.next();
      q.push(i);
      expect((await read).value).toBe(i);
    }
    expect(q.closed).toBe(false);
  });
});
