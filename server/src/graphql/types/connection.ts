import { Field, ObjectType, type ClassType } from 'type-graphql';
import { PageInfo } from './page-info.js';

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

/** Relay edge and connection types for one node type, named `<Node>Edge` / `<Node>Connection`. */
export function connectionTypes<T extends object>(Node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { description: `One ${name} of a page, with its cursor.` })
  class EdgeType implements Edge<T> {
    @Field({ description: 'Pass as `after` or `before` to page from here.' })
    cursor!: string;

    @Field(() => Node, { description: `The ${name}.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name}s (Relay connection).` })
  class ConnectionType implements Connection<T> {
    @Field(() => [EdgeType], { description: 'The page, in order.' })
    edges!: EdgeType[];

    @Field(() => PageInfo, { description: 'Whether more lies either side, and where.' })
    pageInfo!: PageInfo;
  }

  return ConnectionType;
}

/** Builds a connection from one page of nodes; the domain knows what lies beyond it. */
export function toConnection<T>(
  nodes: T[],
  cursorOf: (node: T) => string,
  page: { hasNextPage: boolean; hasPreviousPage: boolean },
): Connection<T> {
  const edges = nodes.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      ...page,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
