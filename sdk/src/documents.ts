import { stringifyDocument } from '@urql/core';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';

export interface Operation {
  query: string;
  operationName: string | undefined;
  kind: 'query' | 'mutation' | 'subscription' | undefined;
  /** The first root field: what a subscription is of. */
  rootField: string | undefined;
}

const operations = new WeakMap<DocumentNode, Operation>();

/**
 * The wire form of a generated document (for the socket), printed once per
 * document. urql's printer rather than graphql-js's: a browser bundle that
 * takes the SDK's subscriptions then carries no graphql-js at all.
 */
export function operationOf(document: DocumentNode): Operation {
  let operation = operations.get(document);
  if (!operation) {
    const definition = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    const first = definition?.selectionSet.selections[0];
    operation = {
      query: stringifyDocument(document),
      operationName: definition?.name?.value,
      kind: definition?.operation as Operation['kind'],
      rootField: first?.kind === 'Field' ? first.name.value : undefined,
    };
    operations.set(document, operation);
  }
  return operation;
}
