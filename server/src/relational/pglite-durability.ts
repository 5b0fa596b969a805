import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

/*
 * PGlite, as shipped, acknowledges commits that are not on disk, twice over:
 *
 * - it starts Postgres with `-F` (fsync off) among its default start
 *   parameters, so Postgres never asks for a flush at commit;
 * - its Emscripten file system for Node (NODEFS) has no `fsync` stream
 *   operation, so even with fsync on, the flush Postgres asks for reaches no
 *   disk: `fd_sync` calls the stream's `fsync` only when there is one, and
 *   `fdatasync` (Postgres's default wal_sync_method on Linux) is a no-op.
 *
 * Durable mode undoes both: Postgres runs with fsync on and
 * wal_sync_method=fsync (the one of its methods that reaches `fd_sync`), and
 * the file system gets an `fsync` operation that flushes the real file (or
 * directory) behind the stream. A commit then returns only once its WAL is on
 * disk. Files are flushed with fdatasync(2), what Postgres itself uses for the
 * WAL on Linux: it writes the data and the metadata needed to read it back
 * (the size), and skips timestamps, which costs a third less here. Directories
 * (Postgres syncs pg_wal after creating a segment) get fsync(2).
 */

/** Postgres start parameters for a durable cluster: PGlite's own, without `-F`, with a sync method that reaches the disk. */
export const DURABLE_START_PARAMS: readonly string[] = [
  ...PGlite.defaultStartParams.filter((param) => param !== '-F'),
  '-c',
  'fsync=on',
  '-c',
  'wal_sync_method=fsync',
];

/** The part of Emscripten's NODEFS this touches (PGlite does not export its types). */
interface NodeFsType {
  stream_ops: { fsync?: (stream: EmscriptenStream) => void };
  realPath(node: unknown): string;
  tryFSOperation<T>(operation: () => T): T;
}

interface EmscriptenStream {
  /** The real file descriptor of an open file; absent for directories. */
  nfd?: number;
  node: unknown;
}

interface EmscriptenModule {
  FS: { filesystems: { NODEFS: NodeFsType } };
  preRun?: ((module: EmscriptenModule) => void)[];
}

/** Gives NODEFS the fsync it lacks; node errors become errno errors, which Postgres treats as a failed flush. */
function addFsync(nodefs: NodeFsType): void {
  nodefs.stream_ops.fsync = (stream) =>
    nodefs.tryFSOperation(() => {
      if (stream.nfd !== undefined) {
        fs.fdatasyncSync(stream.nfd);
        return;
      }
      // A directory: it has no open descriptor behind the stream, so open one to flush it.
      const fd = fs.openSync(nodefs.realPath(stream.node), 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    });
}

/** PGlite's Node file system, plus the fsync operation Postgres's flushes need to reach the disk. */
export class DurableNodeFS extends NodeFS {
  override async init(pg: PGlite, options: Parameters<NodeFS['init']>[1]): ReturnType<NodeFS['init']> {
    const { emscriptenOpts } = await super.init(pg, options);
    const module = emscriptenOpts as unknown as EmscriptenModule;
    const preRun = [...(module.preRun ?? []), (mod: EmscriptenModule) => addFsync(mod.FS.filesystems.NODEFS)];
    return { emscriptenOpts: { ...emscriptenOpts, preRun } as unknown as typeof emscriptenOpts };
  }
}

/** What MikroORM passes on to `PGlite.create` for a cluster in `dir`; btree_gin lets the search index lead with the chat. */
export function pgliteOptions(dir: string, durable: boolean): Record<string, unknown> {
  const extensions = { btree_gin };
  return durable ? { fs: new DurableNodeFS(dir), startParams: [...DURABLE_START_PARAMS], extensions } : { extensions };
}
