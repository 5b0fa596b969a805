import { getIntrospectionQuery, getOperationAST, print, type DocumentNode, type TypeNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as generated from '../../../sdk/src/generated/graphql.js';
import { LIMITS } from '../../src/domain/limits.js';
import type { Services } from '../../src/graphql/context.js';
import { queryCost } from '../../src/graphql/query-cost.js';
import { QUERY_LIMITS } from '../../src/graphql/query-limits.js';
import { createRequestPipeline } from '../../src/graphql/request-pipeline.js';
import { buildParleySchema } from '../../src/graphql/schema.js';
import { silentLogger } from '../../src/observability/log.js';

const schema = await buildParleySchema();
// `prepare` stops before execution, so it never reaches a service.
const pipeline = createRequestPipeline({ schema, services: {} as Services, logger: silentLogger });

/** The largest value each variable may take, so an operation is checked at its most costly. */
function largest(name: string, type: TypeNode): unknown {
  if (type.kind === 'NonNullType') return largest(name, type.type);
  if (type.kind === 'ListType') return [largest(name, type.type)];
  switch (type.name.value) {
    case 'Int':
      return ['first', 'last'].includes(name) ? LIMITS.pageMax : 1;
    case 'ID':
      return '00000000-0000-4000-8000-000000000000';
    case 'String':
      return 'x';
    case 'Date':
      return name === 'from' ? '2025-01-01' : '2025-12-31';
    case 'Boolean':
      return true;
    default:
      throw new Error(`teach this test the largest value of a ${type.name.value} (variable $${name})`);
  }
}

/** Every document the SDK and the web client send, exactly as sent (the generated documents, printed). */
const sent = Object.entries(generated)
  .filter((entry): entry is [string, DocumentNode] => entry[0].endsWith('Document'))
  .map(([name, document]) => {
    const operation = getOperationAST(document)!;
    const variables = Object.fromEntries((operation.variableDefinitions ?? []).map((v) => [v.variable.name.value, largest(v.variable.name.value, v.type)]));
    return { name, document, operation, query: print(document), variables };
  });

describe('the operations clients send fit the query limits', () => {
  it('finds the generated documents', () => {
    expect(sent.map((s) => s.name)).toEqual(expect.arrayContaining(['ChatsDocument', 'MessagesDocument', 'MessageAddedDocument', 'ChatUpdatedDocument']));
  });

  it.each(sent.map((s) => [s.name, s] as const))('%s, at its largest page sizes', (_name, { document, operation, query, variables }) => {
    const transport = operation.operation === 'subscription' ? 'graphql-ws' : 'http';
    const prepared = pipeline.prepare({ query, operationName: operation.name?.value, variables }, transport);
    expect('document' in prepared ? [] : prepared.map((e) => e.message)).toEqual([]);
    // Room to grow: an operation near a limit fails here before a client meets it.
    expect(queryCost(schema, document, operation.name?.value, variables)).toBeLessThanOrEqual(QUERY_LIMITS.cost);
  });

  it('the standard introspection query fits too (tools send it unchanged)', () => {
    const prepared = pipeline.prepare({ query: getIntrospectionQuery() }, 'http');
    expect('document' in prepared ? [] : prepared.map((e) => e.message)).toEqual([]);
  });

  it('weighs list fields by what they can return', () => {
    const cost = (query: string) => {
      const prepared = pipeline.prepare({ query }, 'http');
      if (!('document' in prepared)) throw new Error(prepared.map((e) => e.message).join('; '));
      return queryCost(schema, prepared.document, undefined, {});
    };
    const chat = '00000000-0000-4000-8000-000000000000';
    expect(cost(`{ messages(chatId: "${chat}", last: 100) { edges { node { body } } } }`)).toBe(1 + 100 * 3);
    expect(cost(`{ messages(chatId: "${chat}") { edges { node { body } } } }`)).toBe(1 + LIMITS.pageDefault * 3);
    expect(cost(`{ messages(chatId: "${chat}", first: 5000) { edges { node { body } } } }`)).toBe(1 + LIMITS.pageMax * 3);
    expect(cost(`{ chat(id: "${chat}") { members { id } } }`)).toBe(1 + 1 + LIMITS.pageDefault);
    expect(cost(`{ chat(id: "${chat}") { members(first: 100) { id } memberCount } }`)).toBe(1 + 1 + 100 + 1);
    // Page sizes multiply through nesting: 100 chats × 100 members each.
    expect(cost(`{ chats(first: 100) { edges { node { members(first: 100) { id } } } } }`)).toBe(1 + 100 * (1 + 1 + (1 + 100)));
    expect(cost(`{ me { id username } }`)).toBe(3);
  });

  it('remembers estimates per document, by the variables they read', () => {
    const prepared = pipeline.prepare({ query: 'query ($c: ID!, $n: Int, $b: String, $x: Boolean!) { messages(chatId: $c, last: $n, before: $b) { edges { cursor node { body @include(if: $x) } } } }', variables: { c: 'c', x: true } }, 'http');
    if (!('document' in prepared)) throw new Error(prepared.map((e) => e.message).join('; '));
    const cost = (variables: Record<string, unknown>) => queryCost(schema, prepared.document, undefined, { c: 'c', b: 'x', x: true, ...variables });
    expect(cost({ n: 100 })).toBe(1 + 100 * 4);
    expect(cost({ n: 1 })).toBe(1 + 1 * 4);
    expect(cost({ n: 100, b: 'another cursor' })).toBe(1 + 100 * 4);
    expect(cost({ n: 100, x: false })).toBe(1 + 100 * 3);
    expect(cost({ n: 100_000 })).toBe(1 + 100 * 4);
    expect(cost({})).toBe(1 + LIMITS.pageDefault * 4);
  });

  it('reads page sizes from variables inside fragment spreads and inline fragments', () => {
    const costOf = (query: string, variables: Record<string, unknown>) => {
      const prepared = pipeline.prepare({ query, variables }, 'http');
      if (!('document' in prepared)) throw new Error(prepared.map((e) => e.message).join('; '));
      return queryCost(schema, prepared.document, undefined, variables);
    };
    const spread = 'query ($n: Int, $m: Int) { chats(first: $n) { edges { node { ...C } } } } fragment C on Chat { members(first: $m) { ...U } } fragment U on User { id }';
    const inline = 'query ($n: Int, $m: Int) { chats(first: $n) { edges { node { ... on Chat { members(first: $m) { ... on User { id } } } } } } }';
    for (const query of [spread, inline]) {
      expect(costOf(query, { n: 100, m: 100 })).toBe(1 + 100 * (1 + 1 + (1 + 100)));
      expect(costOf(query, { n: 100, m: 1 })).toBe(1 + 100 * (1 + 1 + (1 + 1)));
      expect(costOf(query, { n: 1, m: 100 })).toBe(1 + 1 * (1 + 1 + (1 + 100)));
    }
  });
});
