import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ParseOptions,
  type ValidationRule,
} from 'graphql';
import { DOCUMENT_CACHE } from '../config/tuning.js';
import { badInput } from '../domain/errors.js';
import type { Logger } from '../observability/log.js';
import { createContext, type Context, type Services } from './context.js';
import { DocumentCache, type CheckedDocument } from './document-cache.js';
import { createErrorFormatter, requestError } from './format-error.js';
import { OperationSlots } from './operation-slots.js';
import { operationShapeRule } from './operation-shape.js';
import { queryCost } from './query-cost.js';
import { QUERY_LIMITS } from './query-limits.js';
import type { RateLimitMeter } from '../observability/meters.js';

/*
 * One request pipeline for every transport, so that HTTP (Apollo) and
 * graphql-ws cannot drift apart in their limits and error codes: each policy
 * is written once, as an entry of `POLICIES` (the way
 * an envelop plugin applies to every transport), and each transport adapter
 * takes the merged result: Apollo its `parseOptions`, `validationRules`,
 * `formatError`, a plugin calling `checkOperation`, and its context from
 * `createContext`; graphql-ws calls `prepare`, which runs the same stages in
 * Apollo's order and gives each failure the code Apollo gives it.
 */

export type Transport = 'http' | 'graphql-ws';

export interface ResolvedOperation {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** As the client sent them. */
  variables: Record<string, unknown>;
  transport: Transport;
}

/** One policy, applied on every transport. */
export interface RequestPolicy {
  readonly name: string;
  readonly parseOptions?: ParseOptions;
  /** Run with graphql-js's specified rules; a limit reports its error with a DomainError as `originalError` to keep its code. */
  readonly validationRules?: readonly ValidationRule[];
  /** After the operation is chosen, before anything runs: an error refuses it. */
  checkOperation?(operation: ResolvedOperation): GraphQLError | null;
}

const refuseTooCostly: RequestPolicy = {
  name: 'cost limit',
  checkOperation({ schema, document, operation, variables }) {
    // The estimate reads page sizes from variables; ones that do not coerce are refused with their own error when the operation runs.
    if (getVariableValues(schema, operation.variableDefinitions ?? [], variables).errors) return null;
    const cost = queryCost(schema, document, operation.name?.value, variables);
    if (cost <= QUERY_LIMITS.cost) return null;
    const message = Number.isFinite(cost)
      ? `Query is too costly: an estimated ${cost}, at most ${QUERY_LIMITS.cost} (page sizes multiply what they select)`
      : `Query is too costly: its fragments expand past what Parley estimates`;
    return new GraphQLError(message, { nodes: [operation], originalError: badInput(message) });
  },
};

const subscriptionsOverGraphqlWs: RequestPolicy = {
  name: 'subscriptions only over graphql-ws',
  checkOperation({ operation, transport }) {
    if (operation.operation !== 'subscription' || transport === 'graphql-ws') return null;
    return requestError('BAD_REQUEST', 'Subscriptions run over WebSocket (graphql-ws, on this same URL), not over HTTP', { nodes: [operation] });
  },
};

/** Every policy of every request, in the order they apply. */
export const POLICIES: readonly RequestPolicy[] = [
  { name: 'token limit', parseOptions: { maxTokens: QUERY_LIMITS.tokens } },
  { name: 'depth, alias and root field limits', validationRules: [operationShapeRule(QUERY_LIMITS)] },
  refuseTooCostly,
  subscriptionsOverGraphqlWs,
];

export interface GraphQLRequestFields {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

export interface RequestPipeline {
  readonly schema: GraphQLSchema;
  readonly parseOptions: ParseOptions;
  /** Rules beyond graphql-js's `specifiedRules`. */
  readonly validationRules: readonly ValidationRule[];
  /** The policies' checks of a chosen operation; the first refusal, or null. */
  checkOperation(operation: ResolvedOperation): GraphQLError | null;
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  createContext(viewerId: string | null, clientIp: string): Context;
  /**
   * Parse (cached), validate, choose the operation, coerce its variables and
   * check it, for a transport that does not run these stages itself; the
   * arguments to execute it, or the coded errors that refuse it.
   */
  prepare(request: GraphQLRequestFields, transport: Transport): ExecutionArgs | readonly GraphQLError[];
  /**
   * Call right before a query or mutation executes (not a subscription): a
   * function to call once it has finished, or the RATE_LIMITED refusal when
   * the viewer already runs MAX_CONCURRENT_OPERATIONS_PER_USER of them here.
   * Anonymous operations always get a slot (they have per-address limits).
   */
  operationSlot(viewerId: string | null): (() => void) | GraphQLError;
}

export interface PipelineDeps {
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  policies?: readonly RequestPolicy[];
  /** MAX_CONCURRENT_OPERATIONS_PER_USER; unbounded when absent. */
  maxConcurrentOperationsPerUser?: number;
  /** Counts refusals by MAX_CONCURRENT_OPERATIONS_PER_USER. */
  rateLimits?: RateLimitMeter;
}

const NOTHING_HELD = () => undefined;

export function createRequestPipeline({ schema, services, logger, policies = POLICIES, maxConcurrentOperationsPerUser = Infinity, rateLimits }: PipelineDeps): RequestPipeline {
  const slots = new OperationSlots(maxConcurrentOperationsPerUser);
  const parseOptions: ParseOptions = Object.assign({}, ...policies.map((p) => p.parseOptions ?? {}));
  const validationRules = policies.flatMap((p) => p.validationRules ?? []);
  const allRules = [...specifiedRules, ...validationRules];
  const documents = new DocumentCache(DOCUMENT_CACHE);

  const checkOperation = (resolved: ResolvedOperation): GraphQLError | null => {
    for (const policy of policies) {
      const refusal = policy.checkOperation?.(resolved);
      if (refusal) return refusal;
    }
    return null;
  };

  const parseAndValidate = (query: string): CheckedDocument | readonly GraphQLError[] => {
    let document: DocumentNode;
    try {
      document = parse(query, parseOptions);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      return [requestError('GRAPHQL_PARSE_FAILED', error.message, { source: error.source, positions: error.positions, originalError: error })];
    }
    const errors = validate(schema, document, allRules).map((error) =>
      requestError('GRAPHQL_VALIDATION_FAILED', error.message, { nodes: error.nodes, originalError: error.originalError ?? error }),
    );
    return { document, errors };
  };

  return {
    schema,
    parseOptions,
    validationRules,
    checkOperation,
    formatError: createErrorFormatter(logger),
    createContext: (viewerId, clientIp) => createContext(services, viewerId, clientIp),

    operationSlot(viewerId) {
      if (viewerId === null) return NOTHING_HELD;
      const slot = slots.take(viewerId);
      if (!(slot instanceof Error)) return slot;
      rateLimits?.refused('operations');
      return new GraphQLError(slot.message, { originalError: slot, extensions: { ...slot.extensions } });
    },

    prepare({ query, operationName, variables }, transport) {
      const checked = documents.get(query, parseAndValidate);
      if (!('document' in checked)) return checked;
      if (checked.errors.length > 0) return checked.errors;
      const { document } = checked;

      const operation = getOperationAST(document, operationName);
      if (!operation) {
        // graphql-js's own words, which Apollo passes on for HTTP.
        const message = operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.';
        return [requestError('OPERATION_RESOLUTION_FAILURE', message)];
      }

      const values = variables ?? {};
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], values, { maxErrors: 50 });
      if (coerced.errors) {
        return coerced.errors.map((error) => requestError('BAD_USER_INPUT', error.message, { nodes: error.nodes, originalError: error.originalError ?? error }));
      }

      const refusal = checkOperation({ schema, document, operation, variables: values, transport });
      if (refusal) return [refusal];
      return { schema, document, operationName: operationName ?? undefined, variableValues: values };
    },
  };
}
