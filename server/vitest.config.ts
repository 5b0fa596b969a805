import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // type-graphql reads legacy decorator metadata; Oxc must emit it.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  resolve: {
    // Node loads graphql's CommonJS entry (it has no "exports"); Vite would pick its .mjs
    // "module" entry for inlined code, and two copies of graphql cannot share a schema.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    name: 'server',
    include: ['test/**/*.test.ts'],
    server: { deps: { inline: ['type-graphql', 'graphql-scalars'] } },
    // The JSON report lets .ci/run print a plain "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // See vitest.config.ts at the root: a project runs its files one at a time on two cores unless it says so itself.
    maxWorkers: 3,
    // expect.poll waits for something to happen (a browser showing a live event): 1 s by default, which
    // three files at a time on two cores can miss. A longer ceiling costs nothing when it passes.
    expect: { poll: { timeout: 10_000 } },
  },
});
