import { Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/*
 * The `operation` label of the HTTP request histogram. An operation's name is
 * whatever the client typed (`query Anything123 {…}`): as a label it would let
 * any client create series without bound, and a Prometheus server holds every
 * series it ever saw. The root fields an operation selects are bounded by the
 * schema, so the label is the operation type and its root field, e.g.
 * `mutation sendMessage` or `query chats`; an operation with several
 * different root fields is `query (several)`, since their combinations are
 * not bounded in any useful way. A name not in the root type (which
 * validation has refused before this runs) is never echoed back.
 */

const META_FIELDS = new Set(['__schema', '__type', '__typename']);

/** How deep fragments at the root are followed; the shape limits keep real operations far below. */
const MAX_FRAGMENT_DEPTH = 8;

export const UNKNOWN_OPERATION = 'unknown';

export function operationLabel(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): string {
  const type = operation.operation;
  const root = type === 'query' ? schema.getQueryType() : type === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return UNKNOWN_OPERATION;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const names = new Set<string>();
  const collect = (set: SelectionSetNode, depth: number) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (depth >= MAX_FRAGMENT_DEPTH) continue;
      else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet, depth + 1);
      else {
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment.selectionSet, depth + 1);
      }
    }
  };
  collect(operation.selectionSet, 0);
  // `{ chats __typename }` is a chats query: __typename beside real fields says nothing.
  if (names.size > 1) names.delete('__typename');
  if (names.size === 0) return UNKNOWN_OPERATION;
  if (names.size > 1) return `${type} (several)`;
  const [name] = names;
  if (!META_FIELDS.has(name) && !Object.hasOwn(root.getFields(), name)) return UNKNOWN_OPERATION;
  return `${type} ${name}`;
}
