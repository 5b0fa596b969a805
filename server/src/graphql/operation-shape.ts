import {
  GraphQLError,
  Kind,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { badInput } from '../domain/errors.js';

export interface ShapeLimits {
  depth: number;
  introspectionDepth: number;
  aliases: number;
  rootFields: number;
}

/** What a selection set adds up to, fragments expanded. */
interface Shape {
  /** Deepest field path outside introspection. */
  depth: number;
  /** Deepest introspection subtree, measured from its `__schema` / `__type` field. */
  introspectionDepth: number;
  aliases: number;
  /** Fields directly in the set (through fragments): the root fields, for an operation. */
  fields: number;
}

const EMPTY: Shape = { depth: 0, introspectionDepth: 0, aliases: 0, fields: 0 };
const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/**
 * Refuses operations nested too deeply, with too many aliases or too many
 * root fields, each counted through fragments. One walk measures all three,
 * and each fragment is measured once however often it is spread, so a
 * document of fragments that spread each other twice over costs linear time
 * here (the counts still grow as the expansion would).
 */
export function operationShapeRule(limits: ShapeLimits): ValidationRule {
  return (context: ValidationContext) => {
    const measured = new Map<string, Shape>();
    const measuring = new Set<string>();

    const fragmentShape = (fragment: FragmentDefinitionNode | undefined | null): Shape => {
      if (!fragment) return EMPTY;
      const name = fragment.name.value;
      const known = measured.get(name);
      if (known) return known;
      // A cycle is NoFragmentCyclesRule's to report; here it adds nothing.
      if (measuring.has(name)) return EMPTY;
      measuring.add(name);
      const shape = shapeOf(fragment.selectionSet);
      measuring.delete(name);
      measured.set(name, shape);
      return shape;
    };

    const shapeOf = (set: SelectionSetNode): Shape => {
      let depth = 0;
      let introspectionDepth = 0;
      let aliases = 0;
      let fields = 0;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          fields += 1;
          if (selection.alias && selection.name.value !== '__typename') aliases += 1;
          const inner = selection.selectionSet ? shapeOf(selection.selectionSet) : EMPTY;
          aliases += inner.aliases;
          introspectionDepth = Math.max(introspectionDepth, inner.introspectionDepth);
          if (INTROSPECTION_ROOTS.has(selection.name.value)) {
            introspectionDepth = Math.max(introspectionDepth, 1 + inner.depth);
          } else {
            depth = Math.max(depth, 1 + inner.depth);
          }
        } else {
          const inner =
            selection.kind === Kind.INLINE_FRAGMENT ? shapeOf(selection.selectionSet) : fragmentShape(context.getFragment(selection.name.value));
          depth = Math.max(depth, inner.depth);
          introspectionDepth = Math.max(introspectionDepth, inner.introspectionDepth);
          aliases += inner.aliases;
          fields += inner.fields;
        }
      }
      return { depth, introspectionDepth, aliases, fields };
    };

    const refuse = (operation: OperationDefinitionNode, message: string) =>
      // Carrying a DomainError keeps BAD_USER_INPUT when Apollo re-wraps validation errors.
      context.reportError(new GraphQLError(message, { nodes: [operation], originalError: badInput(message) }));

    return {
      OperationDefinition(operation) {
        const shape = shapeOf(operation.selectionSet);
        if (shape.depth > limits.depth) refuse(operation, `Query is nested too deeply: more than ${limits.depth} levels`);
        if (shape.introspectionDepth > limits.introspectionDepth) {
          refuse(operation, `Introspection is nested too deeply: more than ${limits.introspectionDepth} levels`);
        }
        if (shape.aliases > limits.aliases) refuse(operation, `Too many aliases: ${shape.aliases} in one operation, at most ${limits.aliases}`);
        if (shape.fields > limits.rootFields) refuse(operation, `Too many root fields: ${shape.fields} in one operation, at most ${limits.rootFields}`);
        return false;
      },
    };
  };
}
