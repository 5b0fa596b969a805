import fs from 'node:fs';
import { vi } from 'vitest';

/**
 * Records every fsync(2) / fdatasync(2) this process makes through Node's fs
 * (what PGlite's Node file system calls), as the path of the file flushed,
 * and still makes it. Call `restore()` (or vi.restoreAllMocks) afterwards.
 */
export function watchFlushes() {
  const flushed: string[] = [];
  for (const name of ['fsyncSync', 'fdatasyncSync'] as const) {
    const real = fs[name];
    vi.spyOn(fs, name).mockImplementation((fd: number) => {
      flushed.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
      return real(fd);
    });
  }
  return {
    /** Paths flushed so far under `dir`, in order. */
    under: (dir: string) => flushed.filter((path) => path.startsWith(fs.realpathSync(dir))),
    restore: () => vi.restoreAllMocks(),
  };
}
