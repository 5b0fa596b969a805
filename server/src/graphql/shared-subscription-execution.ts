import {
  createSourceEventStream,
  execute,
  getOperationAST,
  Kind,
  print,
  visit,
  type ExecutionArgs,
  type ExecutionResult,
  type DocumentNode,
  type FieldNode,
} from 'graphql';
import { contextForEvent } from './context.js';

/*
 * graphql-js runs a subscription's selection set once per subscriber per
 * event: a chat with 1,000 subscribers costs 1,000 identical executions per
 * message. Every subscriber in this process receives the same event object,
 * and what the selection set reads from it depends neither on the viewer nor
 * on the arguments of the subscription field (chatId, afterSeq), so the
 * result is computed once per (event, query text, variables the selection
 * set itself uses) and shared. Each execution gets a fresh context (fresh
 * loaders): a shared result is read once per event, never from data loaded
 * for an earlier one.
 */

const resultsByEvent = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();

const printed = new WeakMap<DocumentNode, string>();

/** What makes two subscribers' executions of one event identical. */
function selectionKey(args: ExecutionArgs): string {
  let text = printed.get(args.document);
  if (text === undefined) printed.set(args.document, (text = print(args.document)));
  const operation = getOperationAST(args.document, args.operationName);
  const root = operation?.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD);
  const used = new Set<string>();
  if (root?.selectionSet) {
    visit(root.selectionSet, { Variable: (node) => void used.add(node.name.value) });
  }
  const variables = [...used].sort().map((name) => [name, args.variableValues?.[name]]);
  return `${text}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(variables)}`;
}

function executeShared(args: ExecutionArgs, key: string, event: unknown): Promise<ExecutionResult> {
  // Fresh per event (see contextForEvent); a shared result is then computed with fresh data too.
  const run = async () => execute({ ...args, contextValue: contextForEvent(args.contextValue), rootValue: event });
  if (typeof event !== 'object' || event === null) return run();
  let results = resultsByEvent.get(event);
  if (!results) resultsByEvent.set(event, (results = new Map()));
  let result = results.get(key);
  if (!result) results.set(key, (result = run()));
  return result;
}

/** Maps an iterator without an async generator, so return() reaches the source at once. */
function mapIterator<T, U>(source: AsyncIterable<T>, map: (value: T) => Promise<U>): AsyncGenerator<U> {
  const iterator = source[Symbol.asyncIterator]();
  const step = async (result: IteratorResult<T>): Promise<IteratorResult<U>> =>
    result.done ? { value: undefined, done: true } : { value: await map(result.value), done: false };
  const mapped: AsyncGenerator<U> = {
    next: () => iterator.next().then(step),
    return: () => (iterator.return ? iterator.return().then(step) : Promise.resolve({ value: undefined, done: true })),
    throw: (error) => (iterator.throw ? iterator.throw(error).then(step) : Promise.reject(error)),
    [Symbol.asyncIterator]: () => mapped,
    [Symbol.asyncDispose]: async () => void (await mapped.return(undefined)),
  };
  return mapped;
}

/** A drop-in for graphql's `subscribe` that shares event executions between subscribers. */
export async function subscribeShared(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in Object(stream))) return stream as ExecutionResult;
  const key = selectionKey(args);
  return mapIterator(stream as AsyncIterable<unknown>, (event) => executeShared(args, key, event));
}
