import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { LIMITS } from '../domain/limits.js';

/*
 * What an operation may cost to answer, estimated before it runs:
 *
 * - every field costs 1, scalar or object;
 * - a list field costs 1 plus its selection's cost times the items it can
 *   return: a field with `first` / `last` by that argument (clamped to the
 *   page maximum; the default page when absent), the lists below by their
 *   bound, any other list as one item (a connection's `edges` are already
 *   counted by the page, and introspection lists are small).
 *
 * So `messages(last: 100) { edges { node { body } } }` costs
 * 1 + 100 × (1 + 1 + 1) = 301.
 */

/** Lists without a page argument, by schema coordinate: the most items they can hold. */
const LIST_BOUNDS: Readonly<Record<string, number>> = {
  // A group starts with its creator and at most groupMembersMax others, and no one is added later.
  'Chat.members': LIMITS.groupMembersMax + 1,
  'Query.chatStats': LIMITS.statsDaysMax,
};

/** Selections visited per estimate (the library's default): fragments re-expand at every spread. */
const MAX_NODES = 10_000;

const PAGE_ARGS = ['first', 'last'] as const;

function itemsOf(coordinate: string, argNames: readonly string[], args: Record<string, unknown>): number {
  if (argNames.some((name) => (PAGE_ARGS as readonly string[]).includes(name))) {
    const asked = PAGE_ARGS.map((name) => args[name]).filter((value): value is number => typeof value === 'number');
    if (asked.length === 0) return LIMITS.pageDefault;
    // Out-of-range sizes are the resolver's to refuse, with a message that says which argument.
    return Math.min(LIMITS.pageMax, Math.max(1, ...asked));
  }
  return LIST_BOUNDS[coordinate] ?? 1;
}

const parleyEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) =>
  1 + itemsOf(`${type.name}.${field.name}`, field.args.map((arg) => arg.name), args) * childComplexity;

/**
 * The estimated cost of one operation of a validated document, with its
 * (already coerced-valid) variables. Infinity when the document expands past
 * graphql-query-complexity's node budget (fragments spread into each other
 * many times over): no such operation is affordable.
 */
export function queryCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): number {
  try {
    return getComplexity({ schema, query: document, operationName, variables, estimators: [parleyEstimator], maxQueryNodes: MAX_NODES });
  } catch (error) {
    if (error instanceof Error && /maximum allowed number of nodes/.test(error.message)) return Infinity;
    throw error;
  }
}
