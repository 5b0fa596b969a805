import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'sdk',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Like the server's: see vitest.config.ts at the root.
    maxWorkers: 3,
    server: {
      deps: {
        // The tests start the built server. Node loads it as in production: inlined by Vite,
        // its `graphql` would resolve to the ESM build while type-graphql requires the CommonJS
        // one, and two copies of graphql cannot share a schema.
        external: [/\/server\/dist\//],
      },
    },
  },
});
