import type { DocumentNode, GraphQLError } from 'graphql';
import { BoundedMap } from '../support/bounded-map.js';

export interface CheckedDocument {
  document: DocumentNode;
  /** Validation errors, already coded; empty when the document is valid. */
  errors: readonly GraphQLError[];
}

export interface DocumentCacheOptions {
  /** Total length of the query texts held; the parsed documents are proportional to it. */
  maxTotalChars: number;
  /** Longer query texts are checked every time instead of being kept. */
  maxEntryChars: number;
}

/**
 * The outcome of parsing and validating each distinct query text, kept so
 * that thousands of clients subscribing with the same few queries share one
 * document: that saves the parse, the validation and, above all, one AST per
 * subscription held in memory. Bounded by the size of what it holds, not by
 * a count: a count let 80 distinct 4 MB documents take the process to 4.5 GB.
 * Least recently used entries go first.
 */
export class DocumentCache {
  private readonly entries: BoundedMap<string, CheckedDocument>;

  constructor(private readonly options: DocumentCacheOptions) {
    this.entries = new BoundedMap({ max: options.maxTotalChars, weigh: (query) => query.length });
  }

  /** The cached outcome for `query`, or `check(query)`'s, kept when it is small enough. A parse failure is never kept. */
  get(query: string, check: (query: string) => CheckedDocument | readonly GraphQLError[]): CheckedDocument | readonly GraphQLError[] {
    const cached = this.entries.get(query);
    if (cached) return cached;
    const checked = check(query);
    if ('document' in checked && query.length <= this.options.maxEntryChars) this.entries.set(query, checked);
    return checked;
  }

  get size(): { entries: number; chars: number } {
    return { entries: this.entries.size, chars: this.entries.total };
  }
}
