import {
  createSourceEventStream,
  execute,
  getOperationAST,
  Kind,
  print,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  BREAK,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type GraphQLSchema,
} from 'graphql';
import { Extensions } from 'type-graphql';
import { subscriptionStamper } from '../observability/delivery-stamps.js';
import { contextForEvent } from './context.js';

/*
 * graphql-js runs a subscription's selection set once per subscriber per
 * event: a chat with 1,000 subscribers costs 1,000 identical executions per
 * message. A subscription may declare, next to itself, that its subscribers
 * share one execution per event (@SharedExecution): the result is computed
 * once per (event object, query text, variables the selection set uses) and
 * handed to each. That is only sound when nothing selected depends on who
 * is looking, so every field whose value does is declared @ViewerDependent,
 * and a selection that reaches one is executed per subscriber. (schema.test.ts
 * lists every field a shared subscription can reach, so a new one is looked
 * at before it is shared.) Each execution gets a fresh context (fresh
 * loaders): a result is read once per event, never from data loaded for an
 * earlier one.
 */

const SHARED = 'sharedExecution';
const PER_VIEWER = 'viewerDependent';

/** On a subscription: its subscribers may share one execution per event. */
export const SharedExecution = (): MethodDecorator => Extensions({ [SHARED]: true }) as MethodDecorator;

/** On a field: its value depends on the viewer, so a result selecting it is never shared. */
export const ViewerDependent = (): MethodDecorator & PropertyDecorator => Extensions({ [PER_VIEWER]: true });

/** The subscription fields of a schema that declare shared execution. */
export function sharedSubscriptionFields(schema: GraphQLSchema): string[] {
  const fields = schema.getSubscriptionType()?.getFields() ?? {};
  return Object.values(fields)
    .filter((field) => field.extensions?.[SHARED] === true)
    .map((field) => field.name);
}

const shareable = new WeakMap<DocumentNode, Map<string, boolean>>();

/** Whether this operation's subscribers may share executions: its root field opts in and nothing it selects depends on the viewer. */
function mayShare(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): boolean {
  let byOperation = shareable.get(document);
  if (!byOperation) shareable.set(document, (byOperation = new Map()));
  const cached = byOperation.get(operationName ?? '');
  if (cached !== undefined) return cached;
  const operation = getOperationAST(document, operationName);
  const root = operation?.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD);
  const field = root && schema.getSubscriptionType()?.getFields()[root.name.value];
  let allowed = field?.extensions?.[SHARED] === true;
  if (allowed) {
    // Every fragment of the document counts, used or not: cheaper than following spreads, and only ever stricter.
    const typeInfo = new TypeInfo(schema);
    visit(
      document,
      visitWithTypeInfo(typeInfo, {
        Field() {
          if (typeInfo.getFieldDef()?.extensions?.[PER_VIEWER] !== true) return;
          allowed = false;
          return BREAK;
        },
      }),
    );
  }
  byOperation.set(operationName ?? '', allowed);
  return allowed;
}

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

const executeOne = (args: ExecutionArgs, event: unknown) =>
  Promise.resolve(execute({ ...args, contextValue: contextForEvent(args.contextValue), rootValue: event }));

function executeShared(args: ExecutionArgs, key: string, event: unknown): Promise<ExecutionResult> {
  if (typeof event !== 'object' || event === null) return executeOne(args, event);
  let results = resultsByEvent.get(event);
  if (!results) resultsByEvent.set(event, (results = new Map()));
  let result = results.get(key);
  if (!result) results.set(key, (result = executeOne(args, event)));
  return result;
}

/**
 * Maps an iterator without an async generator, so return() reaches the source at once.
 * `stamp` tells the socket writer what each mapped value delivers (observability/delivery-stamps.ts).
 */
function mapIterator<T, U extends object>(source: AsyncIterable<T>, map: (value: T) => Promise<U>, stamp: (mapped: U, value: T) => void): AsyncGenerator<U> {
  const iterator = source[Symbol.asyncIterator]();
  const step = async (result: IteratorResult<T>): Promise<IteratorResult<U>> => {
    if (result.done) return { value: undefined, done: true };
    const value = await map(result.value);
    stamp(value, result.value);
    return { value, done: false };
  };
  const mapped: AsyncGenerator<U> = {
    next: () => iterator.next().then(step),
    return: () => (iterator.return ? iterator.return().then(step) : Promise.resolve({ value: undefined, done: true })),
    throw: (error) => (iterator.throw ? iterator.throw(error).then(step) : Promise.reject(error)),
    [Symbol.asyncIterator]: () => mapped,
    [Symbol.asyncDispose]: async () => void (await mapped.return(undefined)),
  };
  return mapped;
}

/**
 * A drop-in for graphql's `subscribe`: every event runs with a fresh context,
 * and subscribers of a subscription declared @SharedExecution share each
 * event's execution unless they select a @ViewerDependent field.
 */
export async function subscribeWithSharing(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const since = Date.now();
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in Object(stream))) return stream as ExecutionResult;
  const events = stream as AsyncIterable<unknown>;
  const stamp = subscriptionStamper(args, since);
  if (!mayShare(args.schema, args.document, args.operationName)) return mapIterator(events, (event) => executeOne(args, event), stamp);
  const key = selectionKey(args);
  return mapIterator(events, (event) => executeShared(args, key, event), stamp);
}
