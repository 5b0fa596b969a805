import { badInput } from '../domain/errors.js';
import { GraphQLError, Kind, type ASTNode, type FragmentDefinitionNode, type ValidationContext, type ValidationRule } from 'graphql';

/**
 * graphql-js's standard introspection query nests 13 levels (type references
 * are followed 9 deep), which tools send unchanged: introspection subtrees are
 * held to their own, larger bound instead of the API's.
 */
const INTROSPECTION_MAX = 16;
const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/** Rejects operations nested deeper than `max` fields, counting through fragments. */
export function depthLimit(max: number): ValidationRule {
  return (context: ValidationContext) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }
    let introspectionTooDeep = false;
    const depthOf = (node: ASTNode, depth: number, seen: Set<string>, limit = max): number => {
      if (!('selectionSet' in node) || !node.selectionSet) return depth;
      let deepest = depth;
      for (const selection of node.selectionSet.selections) {
        if (selection.kind === Kind.FIELD && limit === max && INTROSPECTION_ROOTS.has(selection.name.value)) {
          if (depthOf(selection, 1, seen, INTROSPECTION_MAX) > INTROSPECTION_MAX) introspectionTooDeep = true;
        } else if (selection.kind === Kind.FIELD) {
          deepest = Math.max(deepest, depthOf(selection, depth + 1, seen, limit));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection, depth, seen, limit));
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (fragment && !seen.has(name)) deepest = Math.max(deepest, depthOf(fragment, depth, new Set(seen).add(name), limit));
        }
        if (deepest > limit || introspectionTooDeep) return deepest;
      }
      return deepest;
    };
    return {
      OperationDefinition(operation) {
        introspectionTooDeep = false;
        const depth = depthOf(operation, 0, new Set());
        if (depth > max || introspectionTooDeep) {
          const message = introspectionTooDeep
            ? `Introspection is nested too deeply: more than ${INTROSPECTION_MAX} levels`
            : `Query is nested too deeply: more than ${max} levels`;
          // Carrying a DomainError keeps BAD_USER_INPUT when Apollo re-wraps validation errors.
          context.reportError(new GraphQLError(message, { nodes: [operation], originalError: badInput(message) }));
        }
      },
    };
  };
}
