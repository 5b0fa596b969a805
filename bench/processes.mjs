import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { withTimeout } from './clock.mjs';

/**
 * Every process the bench starts goes through here: pinned to one core with
 * taskset, bounded by coreutils `timeout` (so nothing outlives a crashed
 * orchestrator), with its open-files limit raised for itself only: to
 * OPEN_FILES where the bench may raise the hard limit (root), else to the
 * hard limit. 100,000 connections need more than the usual 1,024 or 20,000.
 */
export const OPEN_FILES = 262_144;
const live = new Set();

export function spawnPinned(core, argv, { maxSeconds, ipc = false, cwd, env, stdio } = {}) {
  const script = `ulimit -Hn ${OPEN_FILES} 2>/dev/null; ulimit -n "$(ulimit -Hn)"; exec timeout -k 10 "$0" taskset -c "$1" "\${@:2}"`;
  const child = spawn('bash', ['-c', script, String(maxSeconds), String(core), ...argv], {
    cwd,
    env: env ?? process.env,
    stdio: stdio ?? (ipc ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'pipe', 'pipe']),
    ...(ipc ? { serialization: 'advanced' } : {}),
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** The pid of the pinned program itself (the child of `timeout`), for /proc reads. */
export function programPid(child) {
  const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  if (children.length !== 1) throw new Error(`expected one child of timeout (pid ${child.pid}), found ${children.length}`);
  return Number(children[0]);
}

/** Resident memory of a process in KiB, from /proc/<pid>/status. */
export function rssKiB(pid) {
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds a process (all its threads) has used, from /proc/<pid>/stat utime + stime. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Every process below pid (children of any of its threads, their children…), from /proc/<pid>/task/<tid>/children. */
export function descendantPids(pid) {
  const found = [];
  const visit = (parent) => {
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      return; // gone meanwhile
    }
    for (const tid of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${parent}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

/**
 * CPU seconds of a process and every process below it: with WORKERS>1 the
 * primary and its workers. A process that has exited is left out (unless its
 * parent reaped it, which counts it in the parent's cutime: not read here).
 */
export function treeCpuSeconds(pid) {
  let total = cpuSeconds(pid);
  for (const child of descendantPids(pid)) {
    try {
      total += cpuSeconds(child);
    } catch {
      // exited between the listing and the read
    }
  }
  return total;
}

export const exited = (child) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

/** SIGTERM, then SIGKILL if it has not gone within graceMs. */
export async function stopProcess(child, graceMs = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  try {
    return await withTimeout(exited(child), graceMs, `pid ${child.pid} to stop`);
  } catch {
    child.kill('SIGKILL');
    return exited(child);
  }
}

/** On any exit of the orchestrator, nothing it started keeps running. */
export function killAllOnExit() {
  const killAll = () => {
    for (const child of live) child.kill('SIGTERM');
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** A client process on the load core, driven over IPC. */
export class Worker {
  constructor(script, { core = 1, maxSeconds = 600, name = script } = {}) {
    this.name = name;
    this.child = spawnPinned(core, [process.execPath, script], { maxSeconds, ipc: true });
    this.waiters = [];
    this.child.on('message', (message) => {
      const index = this.waiters.findIndex((w) => w.type === message.type || message.type === 'error');
      if (index === -1) return;
      const [waiter] = this.waiters.splice(index, 1);
      if (message.type === 'error') waiter.reject(new Error(`${this.name}: ${message.message}`));
      else waiter.resolve(message);
    });
    this.child.once('exit', (code, signal) => {
      for (const w of this.waiters.splice(0)) w.reject(new Error(`${this.name} exited (${code ?? signal}) while we waited for ${w.type}`));
    });
  }

  /** Sends a command and waits for the reply of the given type. */
  request(message, replyType, timeoutMs) {
    const reply = new Promise((resolve, reject) => this.waiters.push({ type: replyType, resolve, reject }));
    this.child.send(message);
    return withTimeout(reply, timeoutMs, `${this.name} ${replyType}`);
  }

  async close() {
    if (this.child.connected) this.child.send({ cmd: 'exit' });
    try {
      await withTimeout(exited(this.child), 10_000, `${this.name} to exit`);
    } catch {
      await stopProcess(this.child, 2_000);
    }
  }
}
