import { GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';

interface Checked {
  document: DocumentNode;
  errors: readonly GraphQLError[];
}

/**
 * Parses and validates each distinct query text once. Thousands of clients
 * subscribe with the same few queries: sharing one document saves the parse,
 * the validation and, above all, one AST per subscription held in memory.
 */
export class DocumentCache {
  private readonly entries = new Map<string, Checked>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly rules: readonly ValidationRule[],
    private readonly max = 1000,
  ) {}

  check(query: string): Checked | readonly GraphQLError[] {
    const cached = this.entries.get(query);
    if (cached) {
      // Refresh its place: the map's order is the eviction order.
      this.entries.delete(query);
      this.entries.set(query, cached);
      return cached;
    }
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
    }
    const checked = { document, errors: validate(this.schema, document, this.rules) };
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(query, checked);
    return checked;
  }
}
