import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

/**
 * Parley's web client. `npm run build` writes dist/, which the API serves at /
 * (index.html) and /assets/* (hashed, cached for a year). `npm run dev`
 * proxies the API, WebSocket included, to a Parley on localhost:4000 (or
 * PARLEY_API_URL, e.g. one started on another port).
 */
export default defineConfig({
  base: '/',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/graphql': { target: process.env.PARLEY_API_URL ?? 'http://localhost:4000', ws: true, changeOrigin: true },
    },
  },
});
