/*
 * Preloaded into the server under test (node --expose-gc --import) so the
 * bench can ask for a full garbage collection before it reads the server's
 * memory: without it, RSS swings by tens of MiB with the moment V8 last
 * collected, and per-connection figures with it. It does nothing else.
 */
if (typeof globalThis.gc === 'function') {
  process.on('SIGUSR2', () => {
    globalThis.gc();
    globalThis.gc();
  });
}
