import { defineConfig } from 'vitest/config';

// One run over every workspace's tests, so `npm test` and CI read one report.
export default defineConfig({
  test: {
    // The client has two: its component tests in jsdom, and its browser suites, which run a real Parley in Node.
    projects: ['server', 'sdk', 'client', 'client/vitest.browser.config.ts', 'playground'],
    // Most API tests wait on servers, sockets and timers rather than compute: three files at a
    // time keep both cores of a CI machine busy (vitest would run one at a time on two cores).
    // Vitest 5 resolves this per project: set here it did not reach the projects, whose files
    // ran one at a time, so server/ and sdk/ set it again in their own configs.
    maxWorkers: 3,
    // The JSON report lets .ci/run print a plain "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
