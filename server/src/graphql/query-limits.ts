import { LIMITS } from '../domain/limits.js';

/**
 * How large an operation may be, checked before anything runs, on HTTP and
 * graphql-ws alike (request-pipeline.ts). They are part of the API contract
 * rather than operator settings: a client written against one Parley must
 * not be refused by another. Every operation the SDK and the web client send
 * fits with room to spare (server/test/api/operation-limits.test.ts checks
 * each one at its largest page sizes).
 */
export const QUERY_LIMITS = {
  /**
   * Lexical tokens in one document (graphql-js stops parsing past it). The
   * SDK's largest operation is under 200 and the standard introspection query
   * under 200 too; an alias flood of 90 KB is about 20,000.
   */
  tokens: 2_000,
  /** Nested fields below the root (Parley's own types have no cycles, so real operations stay shallow). */
  depth: LIMITS.queryDepthMax,
  /**
   * Depth of an introspection subtree (`__schema`, `__type`) measured from
   * its root: graphql-js's standard introspection query nests 13 levels, which
   * tools send unchanged.
   */
  introspectionDepth: 16,
  /** Aliased fields in one operation, fragments included (`__typename` aliases are free). */
  aliases: 15,
  /** Root fields in one operation, aliased or not: bounds the work one request can batch. */
  rootFields: 10,
  /**
   * Estimated cost (query-cost.ts): every field 1, list fields times the
   * items they can return, multiplied through nesting, so it follows the
   * worst-case size of the answer. The SDK's largest operation,
   * `chats(first: 100)` with each chat's first 50 members and last message,
   * costs about 23,000: this leaves four times that. (It was 500,000 while
   * `Chat.members` was unpaged and weighed at a full group of 1,001.)
   * Four aliases of `chats(first: 100)` with `members(first: 100)` cost
   * 121,000 and are refused.
   */
  cost: 100_000,
} as const;
