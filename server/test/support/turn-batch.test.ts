import { describe, expect, it } from 'vitest';
import { currentLogScope, inLogScope } from '../../src/observability/log.js';
import { TurnBatch } from '../../src/support/turn-batch.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TurnBatch', () => {
  it('handles what was added in one turn as one batch, once the turn is over', async () => {
    const batches: number[][] = [];
    const batch = new TurnBatch<number>((waiting) => void batches.push(waiting.splice(0)));
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
    const batch = new TurnBatch<number>(async (waiting) => {
      batches.push(waiting.splice(0));
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
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

  it('calls handle again while items are left, so a handler may take a bounded part', async () => {
    const batches: number[][] = [];
    const batch = new TurnBatch<number>(async (waiting) => void batches.push(waiting.splice(0, 2)));
    for (let i = 1; i <= 5; i++) batch.add(i);
    await batch.settled();
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('remove() takes out an item still waiting, and says whether it was', async () => {
    const handled: string[] = [];
    const batch = new TurnBatch<string>((waiting) => void handled.push(...waiting.splice(0)));
    batch.add('a');
    batch.add('b');
    expect(batch.remove('a')).toBe(true);
    expect(batch.remove('a')).toBe(false);
    await batch.settled();
    expect(handled).toEqual(['b']);
    expect(batch.remove('b')).toBe(false);
  });

  it('settled() resolves at once when nothing was added', async () => {
    const batch = new TurnBatch<number>(() => undefined);
    await batch.settled();
  });

  it('handles a batch outside the log scope of the request that started it', async () => {
    const scopes: unknown[] = [];
    const batch = new TurnBatch<number>((waiting) => {
      waiting.length = 0;
      scopes.push(currentLogScope());
    });
    inLogScope({ reqId: 'r1' }, () => batch.add(1));
    await batch.settled();
    expect(scopes).toEqual([undefined]);
  });
});
