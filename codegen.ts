import type { CodegenConfig } from '@graphql-codegen/cli';

/*
 * GraphQL Code Generator for every TypeScript client of Parley: `npm run
 * codegen` rewrites each target below from `schema.graphql` and that target's
 * own operation files. The generated code is committed; the SDK's tests fail
 * when it is stale.
 *
 * A client adds itself as one more entry of `generates` and gets the same
 * scalar mapping and document style as the SDK. It reuses the SDK's
 * operations (`SDK_OPERATIONS`) rather than copying them, and lists files of
 * its own only for operations the SDK does not have: within one target every
 * operation and fragment name must be unique.
 */

/** The SDK's operations and fragments: one definition of each, shared by every client. */
const SDK_OPERATIONS = 'sdk/src/operations/*.graphql';

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
      scalars: { DateTime: 'string', Date: 'string' },
      enumType: 'string-literal',
      useTypeImports: true,
      // Documents as GraphQL text parsed on first use by urql's gql (already in every client that
      // uses urql), not as JSON syntax trees: a fifth of the size in a browser bundle. Pure, so a
      // bundler drops the documents an app never uses.
      documentMode: 'graphQLTag',
      gqlImport: '@urql/core#gql',
      pureMagicComment: true,
    },
  };
}

/**
 * The schema's enums as runtime objects, names kept as in the schema
 * (`ErrorCode.BAD_USER_INPUT === 'BAD_USER_INPUT'`): a client can list every
 * error code, not only use it as a type. No operation selects `ErrorCode`
 * (errors carry it in `extensions.code`), so the documents above never emit it.
 */
export const enums: CodegenConfig['generates'][string] = {
  plugins: ['typescript'],
  config: {
    onlyEnums: true,
    enumsAsConst: true,
    namingConvention: { enumValues: 'keep' },
    useTypeImports: true,
  },
};

const config: CodegenConfig = {
  schema: 'schema.graphql',
  overwrite: true,
  generates: {
    'sdk/src/generated/graphql.ts': typedDocuments(SDK_OPERATIONS),
    'sdk/src/generated/enums.ts': enums,
    // The web client imports these same documents (`@parley/sdk/documents`): it needs no operation the SDK lacks.
    // One with operations of its own would add a target here: typedDocuments([SDK_OPERATIONS, 'client/src/lib/operations/*.graphql']).
  },
};

export default config;
