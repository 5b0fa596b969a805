import { defineConfig, mergeConfig } from 'vitest/config';
import { serverCode } from '../server/vitest.server-code.ts';

/**
 * The web client's end-to-end suites: each starts a real Parley serving
 * client/dist and drives it in Chromium, so they run in Node with the
 * server's code, not in jsdom with the component tests (vitest.config.ts).
 */
export default defineConfig(
  mergeConfig(serverCode, {
    test: {
      name: 'client-browser',
      include: ['test/web-client*.test.ts'],
    },
  }),
);
