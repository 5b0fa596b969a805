import { getOperationAST, print, type DocumentNode } from 'graphql';

export interface Operation {
  query: string;
  operationName: string | undefined;
  kind: 'query' | 'mutation' | 'subscription' | undefined;
}

const operations = new WeakMap<DocumentNode, Operation>();

/** The wire form of a generated document (for the socket), printed once per document. */
export function operationOf(document: DocumentNode): Operation {
  let operation = operations.get(document);
  if (!operation) {
    const definition = getOperationAST(document);
    operation = { query: print(document), operationName: definition?.name?.value, kind: definition?.operation as Operation['kind'] };
    operations.set(document, operation);
  }
  return operation;
}
