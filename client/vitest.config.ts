import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

/** Component tests in jsdom; the end-to-end tests in a real browser live with the server's (server/test/web-client.test.ts). */
export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  test: {
    name: 'client',
    include: ['test/**/*.test.ts'],
    environment: 'jsdom',
  },
});
