import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { visit, type DocumentNode, type GraphQLSchema, type ValueNode } from 'graphql';
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
  // (Chat.members is paged by `first`, default 50: weighed like the other pages.)
  'Query.chatStats': LIMITS.statsDaysMax,
  // One per current member: a group's starting members plus its creator.
  'Chat.readStates': LIMITS.groupMembersMax + 1,
};

/** Selections visited per estimate (the library's default): fragments re-expand at every spread. */
const MAX_NODES = 10_000;

const PAGE_ARGS = ['first', 'last'] as const;
const clampPage = (value: number) => Math.min(LIMITS.pageMax, Math.max(1, value));

function itemsOf(coordinate: string, argNames: readonly string[], args: Record<string, unknown>): number {
  if (argNames.some((name) => (PAGE_ARGS as readonly string[]).includes(name))) {
    const asked = PAGE_ARGS.map((name) => args[name]).filter((value): value is number => typeof value === 'number');
    if (asked.length === 0) return LIMITS.pageDefault;
    // Out-of-range sizes are the resolver's to refuse, with a message that says which argument.
    return clampPage(Math.max(...asked));
  }
  return LIST_BOUNDS[coordinate] ?? 1;
}

const parleyEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) =>
  1 + itemsOf(`${type.name}.${field.name}`, field.args.map((arg) => arg.name), args) * childComplexity;

/**
 * Estimates remembered per document. Walking a document with
 * graphql-query-complexity costs about 0.2 ms (a TypeInfo visit), which every
 * sendMessage would pay; Apollo's document store and the graphql-ws document
 * cache hand back the same DocumentNode for the same text, and the estimate
 * depends only on the variables it reads: page sizes (as clamped) and
 * @include / @skip conditions.
 */
interface Remembered {
  /** Variables the estimate reads; the others cannot change it. */
  read: readonly string[];
  costs: Map<string, number>;
}

const remembered = new WeakMap<DocumentNode, Remembered>();
/** Estimates kept per document: different page sizes of one document, a few at most in practice. */
const COSTS_PER_DOCUMENT = 64;

function variablesRead(document: DocumentNode): string[] {
  const read = new Set<string>();
  const collect = (value: ValueNode) => visit(value, { Variable: (variable) => void read.add(variable.name.value) });
  visit(document, {
    Field(field) {
      for (const argument of field.arguments ?? []) if ((PAGE_ARGS as readonly string[]).includes(argument.name.value)) collect(argument.value);
    },
    Directive(directive) {
      if (directive.name.value === 'include' || directive.name.value === 'skip') for (const argument of directive.arguments ?? []) collect(argument.value);
    },
  });
  return [...read].sort();
}

function keyFor(operationName: string | undefined, read: readonly string[], variables: Record<string, unknown>): string {
  const values = read.map((name) => {
    const value = variables[name];
    return typeof value === 'number' ? clampPage(value) : (value ?? null);
  });
  return `${operationName ?? ''}\u0000${JSON.stringify(values)}`;
}

/**
 * The estimated cost of one operation of a validated document, with variables
 * known to coerce. Infinity when the document expands past
 * graphql-query-complexity's node budget (fragments spread into each other
 * many times over): no such operation is affordable.
 */
export function queryCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): number {
  let known = remembered.get(document);
  if (!known) remembered.set(document, (known = { read: variablesRead(document), costs: new Map() }));
  const key = keyFor(operationName, known.read, variables);
  let cost = known.costs.get(key);
  if (cost === undefined) {
    cost = estimate(schema, document, operationName, variables);
    if (known.costs.size >= COSTS_PER_DOCUMENT) known.costs.clear();
    known.costs.set(key, cost);
  }
  return cost;
}

function estimate(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): number {
  try {
    return getComplexity({ schema, query: document, operationName, variables, estimators: [parleyEstimator], maxQueryNodes: MAX_NODES });
  } catch (error) {
    if (error instanceof Error && /maximum allowed number of nodes/.test(error.message)) return Infinity;
    throw error;
  }
}
