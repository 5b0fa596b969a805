import { defineConfig } from 'vitest/config';

// One run over every workspace's tests, so `npm test` and CI read one report.
export default defineConfig({
  test: {
    projects: ['server', 'sdk', 'web'],
    // The JSON report lets .ci/run print a plain "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
