import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

/** Component tests in jsdom; the end-to-end suites in a real browser are vitest.browser.config.ts's. */
export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  test: {
    name: 'client',
    include: ['test/**/*.test.ts'],
    exclude: ['test/web-client*.test.ts'],
    environment: 'jsdom',
    // Bundled with the components, so its getContext is the same Svelte's (a component taking the client
    // from context, getContextClient, otherwise fails with lifecycle_outside_component).
    server: { deps: { inline: ['@urql/svelte'] } },
  },
});
