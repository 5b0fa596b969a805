import { describe, expect, it } from 'vitest';
import { currentLogScope, inLogScope } from '../../src/observability/log.js';
import { TurnBatch } from '../../src/support/turn-batch.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const failNot = (_batch: unknown[], error: unknown) => {
  throw new Error(`no handler here throws, yet one did: ${String(error)}`);
};

describe('TurnBatch', () => {
  it('handles what was added in one turn as one batch, once the turn is over', async () => {
    const batches: number[][] = [];
    const batch = new TurnBatch<number>({ handle: (taken) => void batches.push(taken), fail: failNot });
    batch.add(1);
    batch.add(2);
    await Promise.resolve();
    batch.add(3);
    expect(batches).toEqual([]);
    await batch.settled();
    expect(batches).toEqual([[1, 2, 3]]);
    batch.add(4);
    await batch.settled();
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('what arrives while a batch is being handled waits, and forms the next batch', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const batch = new TurnBatch<number>({
      handle: async (taken) => {
        batches.push(taken);
        if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      fail: failNot,
    });
    batch.add(1);
    await nextTurn();
    expect(batches).toEqual([[1]]);
    batch.add(2);
    batch.add(3);
    await nextTurn();
    expect(batches).toEqual([[1]]);
    release();
    await batch.settled();
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('takes batches of the size `take` gives, and handles again while items are left', async () => {
    const batches: number[][] = [];
    const batch = new TurnBatch<number>({ take: (waiting) => waiting.splice(0, 2), handle: async (taken) => void batches.push(taken), fail: failNot });
    for (let i = 1; i <= 5; i++) batch.add(i);
    await batch.settled();
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('remove() takes out an item still waiting, and says whether it was', async () => {
    const handled: string[] = [];
    const batch = new TurnBatch<string>({ handle: (taken) => void handled.push(...taken), fail: failNot });
    batch.add('a');
    batch.add('b');
    expect(batch.remove('a')).toBe(true);
    expect(batch.remove('a')).toBe(false);
    await batch.settled();
    expect(handled).toEqual(['b']);
    expect(batch.remove('b')).toBe(false);
  });

  it('settled() resolves at once when nothing was added', async () => {
    const batch = new TurnBatch<number>({ handle: () => undefined, fail: failNot });
    await batch.settled();
  });

  it('handles a batch outside the log scope of the request that started it', async () => {
    const scopes: unknown[] = [];
    const batch = new TurnBatch<number>({ handle: () => void scopes.push(currentLogScope()), fail: failNot });
    inLogScope({ reqId: 'r1' }, () => batch.add(1));
    await batch.settled();
    expect(scopes).toEqual([undefined]);
  });

  it('a handler that throws fails its own batch through `fail`, and the batches after it are still handled', async () => {
    const handled: number[][] = [];
    const failed: [number[], string][] = [];
    const batch = new TurnBatch<number>({
      take: (waiting) => waiting.splice(0, 2),
      handle: (taken) => {
        if (taken.includes(3)) throw new Error('boom');
        handled.push(taken);
      },
      fail: (taken, error) => void failed.push([taken, (error as Error).message]),
    });
    for (let i = 1; i <= 5; i++) batch.add(i);
    await batch.settled();
    expect(handled).toEqual([[1, 2], [5]]);
    expect(failed).toEqual([[[3, 4], 'boom']]);
    // Not wedged: a later item starts a new batch.
    batch.add(6);
    await batch.settled();
    expect(handled).toEqual([[1, 2], [5], [6]]);
  });

  it('a rejected handler fails its batch the same way', async () => {
    const failed: number[][] = [];
    const batch = new TurnBatch<number>({ handle: async () => Promise.reject(new Error('later boom')), fail: (taken) => void failed.push(taken) });
    batch.add(1);
    batch.add(2);
    await batch.settled();
    expect(failed).toEqual([[1, 2]]);
  });

  it('moves on by one item when `take` takes none, instead of looping forever', async () => {
    const handled: number[][] = [];
    const batch = new TurnBatch<number>({ take: () => [], handle: (taken) => void handled.push(taken), fail: failNot });
    batch.add(1);
    batch.add(2);
    await batch.settled();
    expect(handled).toEqual([[1], [2]]);
  });

  it('goes on after a `fail` or a `take` that throws, failing what `take` could not hand out', async () => {
    const handled: number[][] = [];
    const failed: number[][] = [];
    let throwInTake = true;
    const batch = new TurnBatch<number>({
      take: (waiting) => {
        if (throwInTake) {
          throwInTake = false;
          throw new Error('take broke');
        }
        return waiting.splice(0);
      },
      handle: (taken) => {
        if (taken.includes(3)) throw new Error('boom');
        handled.push(taken);
      },
      fail: (taken) => {
        failed.push(taken);
        throw new Error('fail broke too');
      },
    });
    batch.add(1);
    batch.add(2);
    await batch.settled();
    batch.add(3);
    await batch.settled();
    batch.add(4);
    await batch.settled();
    expect(failed).toEqual([[1, 2], [3]]);
    expect(handled).toEqual([[4]]);
  });

  it('moves on by one item when `take` hands out copies without taking them out', async () => {
    const handled: number[][] = [];
    const batch = new TurnBatch<number>({ take: (waiting) => waiting.slice(0), handle: (taken) => void handled.push(taken), fail: failNot });
    batch.add(1);
    batch.add(2);
    await batch.settled();
    expect(handled).toEqual([[1], [2]]);
  });
});
