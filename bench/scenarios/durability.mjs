import { startParley } from '../server-process.mjs';
import { throughputScenario } from './throughput.mjs';

/** PGLITE_FSYNC settings compared, the default first. */
export const FSYNC_SETTINGS = ['on', 'off'];

/**
 * Embedded only: what making an acknowledged send durable costs. The send
 * throughput load runs twice against the same seeded data, back to back, on
 * a fresh server each time: PGLITE_FSYNC=on (the default: a send is answered
 * once its WAL is flushed to disk) and PGLITE_FSYNC=off (commits skip the
 * flush). Group commit in the in-process log shares one flush among the sends
 * that arrive together, which is what keeps the difference small.
 */
export async function durabilityScenario({ repoRoot, entry, env, logFile, context, log }) {
  const figures = {};
  for (const setting of FSYNC_SETTINGS) {
    const server = await startParley({ repoRoot, entry, env: { ...env, PGLITE_FSYNC: setting }, logFile, maxSeconds: 600 });
    try {
      log(`  PGLITE_FSYNC=${setting}: send throughput`);
      figures[setting] = await throughputScenario({ ...context(server), tag: `fsync-${setting}` });
    } finally {
      await server.stop();
    }
  }
  return figures;
}
