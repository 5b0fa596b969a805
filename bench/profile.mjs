import { readFileSync } from 'node:fs';
import { round } from './stats.mjs';

/*
 * Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and totals self time
 * per function (name + file + line) and per package, within a time window.
 * Profile timestamps are CLOCK_MONOTONIC microseconds, the clock
 * process.hrtime reads too, so the orchestrator's marks cut the window.
 */

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** "parley", "graphql", "@apollo/server", "node internals", "GC", … */
export function packageOf(url, functionName) {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'V8/native (program)';
  if (functionName === '(idle)') return 'idle';
  if (!url) return 'native';
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.includes('/server/dist/')) return 'parley';
  if (url.startsWith('wasm://')) return 'wasm (PGlite)';
  return url.replace(/^file:\/\//, '');
}

const shortUrl = (url) => {
  if (!url) return '';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const dist = url.indexOf('/server/dist/');
  if (dist >= 0) return `server/dist/${url.slice(dist + '/server/dist/'.length)}`;
  return url.replace(/^file:\/\//, '');
};

export function summarizeProfile(file, { fromMicros, toMicros, top = 15 } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  // Inclusive time per package: a sample counts once for every package on its (synchronous) stack.
  const stackPackages = new Map();
  const packagesOnStack = (id) => {
    let found = stackPackages.get(id);
    if (found) return found;
    found = new Set();
    for (let x = id; x !== undefined; x = parent.get(x)) {
      const { url, functionName } = nodes.get(x).callFrame;
      if (url) found.add(packageOf(url, functionName));
    }
    stackPackages.set(id, found);
    return found;
  };
  const byFunction = new Map();
  const byPackage = new Map();
  const inclusive = new Map();
  let total = 0;
  let idle = 0;
  let t = profile.startTime;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    t += timeDeltas[i];
    // A sample stands for the time until the next one.
    const duration = i + 1 < samples.length ? timeDeltas[i + 1] : 0;
    if (fromMicros !== undefined && (t < fromMicros || t > toMicros)) continue;
    const { callFrame } = nodes.get(samples[i]);
    const name = callFrame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += duration;
      total += duration;
      continue;
    }
    total += duration;
    const key = SPECIAL.has(name) ? name : `${name} ${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + duration);
    const pkg = packageOf(callFrame.url, name);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + duration);
    for (const p of packagesOnStack(samples[i])) inclusive.set(p, (inclusive.get(p) ?? 0) + duration);
  }
  const busy = total - idle;
  const rank = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({ name, ms: round(micros / 1000, 1), shareOfBusy: round(micros / busy, 4) }));
  return {
    windowMs: round(total / 1000, 0),
    busyMs: round(busy / 1000, 0),
    busyShare: total ? round(busy / total, 3) : null,
    topFunctions: rank(byFunction),
    topPackages: rank(byPackage),
    inclusivePackages: rank(inclusive),
  };
}
