import { parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { buildParleySchema } from '../../src/graphql/schema.js';
import { TIMED_SUBSCRIPTIONS } from '../../src/observability/delivery-stamps.js';
import { operationLabel } from '../../src/observability/operation-label.js';

describe('METRICS_PORT', () => {
  it('is unset by default: /metrics is served on PORT', () => {
    expect(loadConfig({})).not.toHaveProperty('metricsPort');
  });

  it('reads a port, 0 included (a free one)', () => {
    expect(loadConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(loadConfig({ METRICS_PORT: '0' }).metricsPort).toBe(0);
    expect(loadConfig({ METRICS_PORT: '0', PORT: '0' }).metricsPort).toBe(0);
    expect(loadConfig({ METRICS_PORT: ' ' })).not.toHaveProperty('metricsPort');
  });

  it.each([
    [{ METRICS_PORT: 'metrics' }, /^METRICS_PORT must be an integer from 0 to 65535/],
    [{ METRICS_PORT: '70000' }, /^METRICS_PORT must be an integer from 0 to 65535/],
    [{ METRICS_PORT: '-1' }, /^METRICS_PORT must be an integer from 0 to 65535/],
    [{ METRICS_PORT: '4000' }, /^METRICS_PORT must differ from PORT \(4000\)/],
    [{ METRICS_PORT: '8080', PORT: '8080' }, /^METRICS_PORT must differ from PORT \(8080\)/],
  ])('rejects %o with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('the operation label of the HTTP histogram', async () => {
  const schema = await buildParleySchema();
  const label = (query: string, operationName?: string) => {
    const document = parse(query);
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    const operation = operationName ? operations.find((o) => o.name?.value === operationName)! : operations[0];
    return operationLabel(schema, document, operation);
  };

  it('is the operation type and its root field, whatever the client named the operation', () => {
    expect(label('query Anything { me { id } }')).toBe('query me');
    expect(label('mutation X($c: ID!) { sendMessage(chatId: $c, body: "hi") { messageId } }')).toBe('mutation sendMessage');
    expect(label('subscription { messageAdded(chatId: "x") { id } }')).toBe('subscription messageAdded');
    expect(label('{ __schema { types { name } } }')).toBe('query __schema');
    expect(label('{ me { id } __typename }')).toBe('query me');
    expect(label('{ a: me { id } b: me { username } }')).toBe('query me');
  });

  it('follows fragments at the root, and says (several) for several root fields', () => {
    expect(label('query Q { ...Root } fragment Root on Query { me { id } }')).toBe('query me');
    expect(label('query Q { ... on Query { me { id } } }')).toBe('query me');
    expect(label('{ me { id } chats { edges { cursor } } }')).toBe('query (several)');
    expect(label('query A { me { id } } mutation B { markRead(chatId: "x", seq: 1) { id } }', 'B')).toBe('mutation markRead');
  });

  it('never echoes a field the schema does not have (unvalidated input stays bounded)', () => {
    expect(label('{ attackerChosen123 }')).toBe('unknown');
    expect(label('mutation { me { id } }')).toBe('unknown');
    expect(label('query Q { ...Missing }')).toBe('unknown');
  });

  it('times deliveries of subscriptions that exist', () => {
    const fields = Object.keys(schema.getSubscriptionType()!.getFields());
    expect(TIMED_SUBSCRIPTIONS.length).toBeGreaterThan(0);
    for (const field of TIMED_SUBSCRIPTIONS) expect(fields).toContain(field);
  });
});
