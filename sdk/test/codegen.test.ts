import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import { buildSchema, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import config from '../../codegen.js';
import { createParleyClient } from '../src/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const operationsDir = join(root, 'sdk/src/operations');

describe('generated code', () => {
  it('matches what `npm run codegen` would write from schema.graphql and the operations', async () => {
    const outputs: { filename: string; content: string }[] = await generate({ ...config, cwd: root, silent: true }, false);
    expect(outputs.map((o) => o.filename)).toContain('sdk/src/generated/graphql.ts');
    for (const { filename, content } of outputs) {
      let onDisk: string | null;
      try {
        onDisk = readFileSync(join(root, filename), 'utf8');
      } catch {
        onDisk = null;
      }
      if (onDisk !== content) {
        expect.fail(`${filename} is stale: run \`npm run codegen\` and commit the result`);
      }
    }
  });

  it('has an operation, and a client method, for every query, mutation and subscription of the schema', () => {
    const schema = buildSchema(readFileSync(join(root, 'schema.graphql'), 'utf8'));
    const rootFields = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) =>
      type ? Object.keys(type.getFields()).map((field) => `${type.name}.${field}`) : [],
    );
    const covered = new Set<string>();
    for (const file of readdirSync(operationsDir).filter((f) => f.endsWith('.graphql'))) {
      for (const definition of parse(readFileSync(join(operationsDir, file), 'utf8')).definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
        const type = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' }[(definition as OperationDefinitionNode).operation];
        for (const selection of definition.selectionSet.selections) {
          if (selection.kind === Kind.FIELD) covered.add(`${type}.${selection.name.value}`);
        }
      }
    }
    expect(rootFields.filter((field) => !covered.has(field))).toEqual([]);

    const client = createParleyClient({ url: 'http://127.0.0.1:9/graphql' }) as unknown as Record<string, unknown>;
    const methods = rootFields.map((field) => field.split('.')[1]!);
    expect(methods.filter((name) => typeof client[name] !== 'function')).toEqual([]);
  });
});
