import type { OperationDefinitionNode } from 'graphql';

const MAX_NAME = 100;

/** How logs name an operation: its name as the client wrote it (bounded), or its type when unnamed. */
export function operationLogName(operation: OperationDefinitionNode): string {
  const name = operation.name?.value;
  if (!name) return operation.operation;
  return name.length > MAX_NAME ? `${name.slice(0, MAX_NAME)}…` : name;
}
