import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/**
 * GraphiQL for Parley, bundled once at build time. The API serves dist/index.html
 * at GET /graphql (to browsers) and dist/assets/* at /graphql/assets/*, so every
 * URL in the bundle starts with /graphql/ and nothing loads from anywhere else.
 */
export default defineConfig({
  base: '/graphql/',
  // Vite 8 transforms JSX with Oxc: no React plugin is needed for a production build.
  oxc: { jsx: { runtime: 'automatic' } },
  plugins: [precompress()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    // Monaco is one large chunk by nature; the warning would say nothing new.
    chunkSizeWarningLimit: 4000,
    reportCompressedSize: false,
    rolldownOptions: {
      onwarn(warning, warn) {
        // framer-motion and headlessui mark modules "use client", which means nothing in a plain bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
});

/**
 * Writes a gzip copy beside each compressible asset (the bundle is about 7 MB,
 * about 2 MB gzipped); the server sends it to clients that accept gzip.
 */
function precompress(): Plugin {
  return {
    name: 'parley-precompress',
    apply: 'build',
    async writeBundle(options) {
      const assets = join(options.dir!, 'assets');
      for (const name of await readdir(assets)) {
        if (!/\.(?:js|css|ttf|svg|json)$/.test(name)) continue;
        const source = await readFile(join(assets, name));
        const gzipped = gzipSync(source, { level: constants.Z_BEST_COMPRESSION });
        if (gzipped.length < source.length * 0.9) await writeFile(join(assets, `${name}.gz`), gzipped);
      }
    },
  };
}
