import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../src/support/bounded-map.js';

const keysOf = <V>(map: BoundedMap<string, V>, candidates: string[]) => candidates.filter((key) => map.has(key));

describe('BoundedMap', () => {
  it('holds at most `max` entries, dropping the first set when peek() is all that reads them', () => {
    const map = new BoundedMap<string, number>({ max: 2 });
    map.set('a', 1).set('b', 2);
    expect(map.peek('a')).toBe(1);
    map.set('c', 3);
    expect(keysOf(map, ['a', 'b', 'c'])).toEqual(['b', 'c']);
    expect(map.size).toBe(2);
    expect(map.total).toBe(2);
  });

  it('get() makes an entry the newest, so the least recently used goes first', () => {
    const map = new BoundedMap<string, number>({ max: 2 });
    map.set('a', 1).set('b', 2);
    expect(map.get('a')).toBe(1);
    map.set('c', 3);
    expect(keysOf(map, ['a', 'b', 'c'])).toEqual(['a', 'c']);
  });

  it('setting a key again replaces its value and makes it the newest', () => {
    const map = new BoundedMap<string, number>({ max: 2 });
    map.set('a', 1).set('b', 2).set('a', 10).set('c', 3);
    expect(keysOf(map, ['a', 'b', 'c'])).toEqual(['a', 'c']);
    expect(map.peek('a')).toBe(10);
  });

  it('delete() frees room', () => {
    const map = new BoundedMap<string, number>({ max: 2 });
    map.set('a', 1).set('b', 2);
    expect(map.delete('a')).toBe(true);
    expect(map.delete('a')).toBe(false);
    map.set('c', 3);
    expect(keysOf(map, ['a', 'b', 'c'])).toEqual(['b', 'c']);
  });

  it('with `weigh`, is bounded by the total weight, dropping as many old entries as it takes', () => {
    const map = new BoundedMap<string, string>({ max: 10, weigh: (_key, value) => value.length });
    map.set('a', 'xxxx').set('b', 'xxxx');
    expect(map.total).toBe(8);
    map.set('c', 'xxxxxxxx');
    expect(keysOf(map, ['a', 'b', 'c'])).toEqual(['c']);
    expect(map.total).toBe(8);
    map.set('c', 'xx');
    expect(map.total).toBe(2);
    map.delete('c');
    expect(map.total).toBe(0);
    expect(map.size).toBe(0);
  });

  it('with `weigh`, an entry heavier than the bound is not kept', () => {
    const map = new BoundedMap<string, string>({ max: 3, weigh: (_key, value) => value.length });
    map.set('a', 'x').set('b', 'xxxx');
    expect(map.size).toBe(0);
    expect(map.total).toBe(0);
  });
});
