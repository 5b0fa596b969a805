import { readdirSync, readFileSync } from 'node:fs';
import { now, sleep } from './clock.mjs';
import { CLOCK_TICKS } from './processes.mjs';
import { round } from './stats.mjs';

/*
 * How busy things were during a phase, in cores (1.0 = one core fully used):
 * the server process itself (with its workers, when WORKERS>1); the bench's own client processes; PostgreSQL and
 * Redis; kernel threads; and everything else on the machine. "other" well above zero means
 * someone else's work competed with the run, and the figures of that phase
 * are lower than the machine can do. Per-core shares come from /proc/stat.
 */

function coreTimes() {
  const cores = {};
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = match[2].split(/\s+/).map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    cores[match[1]] = { busy, total: busy + idle + iowait };
  }
  return cores;
}

/** pid -> { ppid, comm, started, ticks } for every process (threads included in each process's times). */
function processTimes() {
  const table = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      table.set(Number(entry), { ppid: Number(fields[1]), comm, started: fields[19], ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The process ended while we looked.
    }
  }
  return table;
}

function classify(table, pid, serverPid) {
  if (pid === serverPid) return 'server';
  const { comm } = table.get(pid);
  for (let p = pid, hops = 0; p > 1 && hops < 20; hops++) {
    // Below the server: its workers (WORKERS>1) are the server too.
    if (p === serverPid) return 'server';
    if (p === process.pid) return 'clients';
    p = table.get(p)?.ppid ?? 0;
  }
  if (/^(postgres|postmaster|redis)/.test(comm)) return 'databases';
  // Kernel threads: loopback TCP work deferred to ksoftirqd, memory reclaim and the like.
  if (pid === 2 || table.get(pid)?.ppid === 2) return 'kernel';
  return 'other';
}

/** Starts measuring; the returned function ends the phase and gives the shares. */
export function startMeter(server) {
  const startedAt = now();
  const coresAtStart = coreTimes();
  const processesAtStart = processTimes();
  return () => {
    const wallSeconds = (now() - startedAt) / 1000;
    const cores = coreTimes();
    const processes = processTimes();
    const share = (id) => {
      const a = coresAtStart[id];
      const b = cores[id];
      return a && b && b.total > a.total ? round((b.busy - a.busy) / (b.total - a.total), 2) : null;
    };
    const used = { server: 0, clients: 0, databases: 0, kernel: 0, other: 0 };
    const others = new Map();
    for (const [pid, p] of processes) {
      const before = processesAtStart.get(pid);
      // Same pid and start time: the same process (kernel workers rename themselves as they go).
      const ticks = p.ticks - (before && before.started === p.started ? before.ticks : 0);
      if (ticks <= 0) continue;
      const kind = classify(processes, pid, server?.pid);
      used[kind] += ticks;
      if (kind === 'other') others.set(p.comm, (others.get(p.comm) ?? 0) + ticks);
    }
    const cores_ = (ticks) => round(ticks / CLOCK_TICKS / wallSeconds, 2);
    return {
      serverProcess: cores_(used.server),
      clients: cores_(used.clients),
      databases: cores_(used.databases),
      kernel: cores_(used.kernel),
      other: cores_(used.other),
      otherProcesses: [...others].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([comm, ticks]) => `${comm} ${cores_(ticks)}`),
      core0: share('0'),
      core1: share('1'),
    };
  };
}

/**
 * Waits until the server has been (nearly) idle for a moment, so no phase
 * inherits the previous one's backlog; and, for at most otherMaxMs, until
 * other work on the machine (someone's tests, a build) has calmed down too.
 */
export async function settle(server, { maxMs = 30_000, otherMaxMs = 10_000, quietShare = 0.05, otherQuiet = 0.1 } = {}) {
  const startedAt = now();
  let quiet = 0;
  while (now() - startedAt < maxMs && quiet < 2) {
    const meter = startMeter(server);
    await sleep(250);
    const { serverProcess, other } = meter();
    const othersCalm = other < otherQuiet || now() - startedAt > otherMaxMs;
    quiet = serverProcess < quietShare && othersCalm ? quiet + 1 : 0;
  }
}
