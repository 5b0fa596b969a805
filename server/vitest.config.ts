import { defineConfig } from 'vitest/config';

export default defineConfig({
  // type-graphql and MikroORM read legacy decorator metadata; Oxc must emit it.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    include: ['test/**/*.test.ts'],
    // One copy of graphql: type-graphql must resolve the same module the tests use.
    server: { deps: { inline: ['type-graphql'] } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
