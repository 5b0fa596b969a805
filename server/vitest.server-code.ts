import { createRequire } from 'node:module';
import type { ViteUserConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * What a test project needs to run the server's code in Node: the server's
 * own tests, and the web client's and playground's browser suites, which
 * start a real Parley. Each project adds its name and files.
 */
export const serverCode = {
  // type-graphql reads legacy decorator metadata; Oxc must emit it.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  resolve: {
    // Node loads graphql's CommonJS entry (it has no "exports"); Vite would pick its .mjs
    // "module" entry for inlined code, and two copies of graphql cannot share a schema.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    environment: 'node',
    server: { deps: { inline: ['type-graphql', 'graphql-scalars'] } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // See vitest.config.ts at the root: a project runs its files one at a time on two cores unless it says so itself.
    maxWorkers: 3,
    // expect.poll waits for something to happen (a browser showing a live event): 1 s by default, which
    // three files at a time on two cores can miss. A longer ceiling costs nothing when it passes.
    expect: { poll: { timeout: 10_000 } },
  },
} satisfies ViteUserConfig;
