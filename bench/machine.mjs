import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { exited, OPEN_FILES, spawnPinned } from './processes.mjs';

const read = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** What the figures were measured on. */
export function describeMachine() {
  const cpuinfo = read('/proc/cpuinfo');
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  let usableCores = os.availableParallelism();
  try {
    usableCores = Number(execFileSync('nproc', ['--all'], { encoding: 'utf8' }).trim()) || usableCores;
  } catch {}
  return {
    cpuModel,
    cores: usableCores,
    memoryGiB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    os: /^PRETTY_NAME="?([^"\n]+)"?/m.exec(read('/etc/os-release'))?.[1] ?? os.type(),
    kernel: os.release(),
    openFilesLimit: (() => {
      try {
        return Number(execFileSync('bash', ['-c', `ulimit -Hn ${OPEN_FILES} 2>/dev/null; ulimit -Hn`], { encoding: 'utf8' }).trim());
      } catch {
        return null;
      }
    })(),
  };
}

/** JSON round trips per second on each core (see calibrate.mjs). */
export async function calibrate(benchDir, cores = [0, 1]) {
  const result = {};
  for (const core of cores) {
    const child = spawnPinned(core, [process.execPath, join(benchDir, 'calibrate.mjs')], { maxSeconds: 30 });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    await exited(child);
    result[`core${core}`] = Number(output.trim()) || null;
  }
  return result;
}
