import type { CodegenConfig } from '@graphql-codegen/cli';

/*
 * GraphQL Code Generator for every TypeScript client of Parley: `npm run
 * codegen` rewrites each target below from `schema.graphql` and that target's
 * own operation files. The generated code is committed; the SDK's tests fail
 * when it is stale.
 *
 * A client adds itself as one more entry of `generates`, e.g. for a web app:
 *
 *   'web/src/lib/generated/graphql.ts': typedDocuments('web/src/lib/operations/*.graphql'),
 *
 * and gets the same scalar mapping and document style as the SDK.
 */

/**
 * Typed documents (one `TypedDocumentNode` per operation, with its result and
 * variables types) for the operations matched by `documents`.
 *
 * typescript-operations v6 writes the enum and input types it needs itself,
 * so the `typescript` plugin (every schema object type, which no client
 * should rely on since it never matches a selection) is not used.
 */
export function typedDocuments(documents: string | string[]): CodegenConfig['generates'][string] {
  return {
    documents,
    plugins: ['typescript-operations', 'typed-document-node'],
    config: {
      // JSON has no date type: a DateTime arrives, and is sent, as an ISO 8601 string.
      scalars: { DateTime: 'string' },
      enumType: 'string-literal',
      useTypeImports: true,
    },
  };
}

const config: CodegenConfig = {
  schema: 'schema.graphql',
  overwrite: true,
  generates: {
    'sdk/src/generated/graphql.ts': typedDocuments('sdk/src/operations/*.graphql'),
    'web/src/lib/generated/graphql.ts': typedDocuments('web/src/lib/operations/*.graphql'),
  },
};

export default config;
