import { defineConfig, mergeConfig } from 'vitest/config';
import { serverCode } from '../server/vitest.server-code.ts';

/** The playground's suite starts a real Parley serving playground/dist and drives it in Chromium. */
export default defineConfig(
  mergeConfig(serverCode, {
    test: {
      name: 'playground',
      include: ['test/**/*.test.ts'],
    },
  }),
);
