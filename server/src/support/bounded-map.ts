export interface BoundedMapOptions<K, V> {
  /** The most the entries may weigh together: a count of entries, unless `weigh` says otherwise. */
  max: number;
  /** An entry's weight (e.g. the length of the text it keeps); 1 when not given. */
  weigh?: (key: K, value: V) => number;
}

/**
 * A Map with a bound, for the process-wide caches and memories that would
 * otherwise grow with every user, chat or token ever seen. Setting an entry
 * makes it the newest; past the bound the oldest go first. get() also makes
 * an entry the newest (least recently used go first); peek() does not
 * (first set, first gone). A JavaScript Map keeps insertion order, so the
 * eviction order costs nothing to keep.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();
  private weight = 0;

  constructor(private readonly options: BoundedMapOptions<K, V>) {}

  get size(): number {
    return this.entries.size;
  }

  /** What the entries weigh together (their count, unless `weigh` is given). */
  get total(): number {
    return this.options.weigh ? this.weight : this.entries.size;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** The value, made the newest entry. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** The value, leaving its place in the eviction order as it is. */
  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Sets the value as the newest entry, then drops the oldest while over the bound. */
  set(key: K, value: V): this {
    this.delete(key);
    this.entries.set(key, value);
    const { weigh, max } = this.options;
    if (weigh) this.weight += weigh(key, value);
    for (const [oldest, old] of this.entries) {
      if (this.total <= max) break;
      this.entries.delete(oldest);
      if (weigh) this.weight -= weigh(oldest, old);
    }
    return this;
  }

  delete(key: K): boolean {
    const { weigh } = this.options;
    if (weigh) {
      const value = this.entries.get(key);
      if (value === undefined && !this.entries.has(key)) return false;
      this.weight -= weigh(key, value as V);
    }
    return this.entries.delete(key);
  }
}
