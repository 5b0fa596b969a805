import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIMITS_OFF } from '../../src/config/config.js';
import { GraphQLEndpoint } from './server.js';
import { seedPglite } from './targets.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/**
 * Parley as its own process (the built server, as `npm start` runs it), for
 * what an in-process server cannot show: being killed with SIGKILL.
 */
export class ChildServer extends GraphQLEndpoint {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly dataDir: string,
    /** Everything it has printed so far, stdout and stderr. */
    private readonly output: () => string,
  ) {
    super();
  }

  static async start(env: Record<string, string>): Promise<ChildServer> {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-child-'));
    if (!env.DATABASE_URL) await seedPglite(dataDir);
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, ...LIMITS_OFF, PORT: '0', DATA_DIR: dataDir, NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      // Generous: PGlite's first start takes seconds, several times that on a machine busy with other suites.
      const timer = setTimeout(() => reject(new Error(`child server did not start in 90 s:\n${output}`)), 90_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const listening = /listening on (\S+)/.exec(output);
        if (listening) {
          clearTimeout(timer);
          resolve(listening[1]!);
        }
      };
      child.stdout!.on('data', read);
      child.stderr!.on('data', read);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`child server exited with ${code}:\n${output}`));
      });
    });
    return new ChildServer(child, url, dataDir, () => output);
  }

  /** The process's id (with WORKERS>1: the primary's). */
  get pid(): number {
    return this.child.pid!;
  }

  /** Its JSON log lines so far (anything else it printed is skipped). */
  lines(): (Record<string, unknown> & { msg: string; pid: number })[] {
    return this.output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line)];
        } catch {
          return []; // a line still being written
        }
      });
  }

  /** Like an orchestrator's stop (SIGTERM): how the process ended, and everything it printed. */
  async terminate(): Promise<{ code: number | null; output: string }> {
    // 'close', not 'exit': by then its output has been read to the end.
    const exited = new Promise<number | null>((resolve) => this.child.once('close', (code) => resolve(code)));
    this.child.kill('SIGTERM');
    const code = await exited;
    await rm(this.dataDir, { recursive: true, force: true });
    return { code, output: this.output() };
  }

  /** Like `kill -9`: no shutdown, no goodbye to Redis. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    }
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
