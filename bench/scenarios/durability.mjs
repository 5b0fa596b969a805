import { round } from '../stats.mjs';
import { startParley } from '../server-process.mjs';
import { throughputScenario } from './throughput.mjs';

/**
 * PGLITE_FSYNC settings in the order they run: A B B A, so a drift of the
 * machine's speed during the run (this virtual machine's drifts) weighs on
 * both settings alike.
 */
export const FSYNC_ORDER = ['on', 'off', 'off', 'on'];

/**
 * Embedded only: what making an acknowledged send durable costs. The send
 * throughput load runs against the same seeded data on a fresh server each
 * time: PGLITE_FSYNC=on (the default: a send is answered once its WAL is
 * flushed to disk) and PGLITE_FSYNC=off (commits skip the flush). Group
 * commit in the in-process log shares one flush among the sends that arrive
 * together, which is what keeps the difference small.
 */
export async function durabilityScenario({ repoRoot, entry, env, logFile, context, log }) {
  const runs = [];
  for (const setting of FSYNC_ORDER) {
    const server = await startParley({ repoRoot, entry, env: { ...env, PGLITE_FSYNC: setting }, logFile, maxSeconds: 600 });
    try {
      log(`  PGLITE_FSYNC=${setting}: send throughput`);
      runs.push({ setting, ...(await throughputScenario({ ...context(server), tag: `fsync-${setting}-${runs.length}` })) });
    } finally {
      await server.stop();
    }
  }
  const figures = { runs };
  for (const setting of new Set(FSYNC_ORDER)) {
    const mine = runs.filter((r) => r.setting === setting);
    figures[setting] = { acceptedPerSecond: round(mine.reduce((sum, r) => sum + r.acceptedPerSecond, 0) / mine.length, 0) };
  }
  return figures;
}
