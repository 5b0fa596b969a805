import { defineConfig, mergeConfig } from 'vitest/config';
import { serverCode } from './vitest.server-code.ts';

export default defineConfig(
  mergeConfig(serverCode, {
    test: {
      name: 'server',
      include: ['test/**/*.test.ts'],
      // The JSON report lets .ci/run print a plain "N passed, N failed" line.
      reporters: ['default', 'json'],
      outputFile: { json: 'test-results/vitest.json' },
    },
  }),
);
