import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { RedisNode } from '../../src/config/config.js';
import { silentLogger } from '../../src/observability/log.js';
import { connectRedis, startRedis } from '../../src/support/redis.js';
import { freePort } from './redis.js';

/**
 * Why the cluster suites cannot run here, or null: they start real
 * `redis-server` processes (Redis >= 7 for sharded pub/sub) and create the
 * cluster with `redis-cli --cluster create`.
 */
function missingReason(): string | null {
  for (const binary of ['redis-server', 'redis-cli']) {
    const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) return `${binary} is not installed (Debian: redis-server, redis-tools)`;
    const major = Number(/v=(\d+)\./.exec(probe.stdout)?.[1] ?? /(\d+)\.\d+\.\d+/.exec(probe.stdout)?.[1]);
    if (!(major >= 7)) return `${binary} is older than 7 (${probe.stdout.trim()}): sharded pub/sub needs Redis 7`;
  }
  return null;
}

const missing = missingReason();
if (missing && process.env.CI) throw new Error(`${missing}. In CI the Redis Cluster suites are required: this is a failure, not a skip.`);
if (missing) console.warn(`SKIPPED redis cluster suites: ${missing}`);

/** null when the Redis Cluster suites can run, else why they are skipped. */
export const clusterSkipReason = missing;

/** One redis-server of the test's cluster. */
export interface ClusterNode {
  port: number;
  /** The cluster bus port (set apart, since port + 10000 may not exist). */
  busPort: number;
  process: ChildProcess | null;
}

const NODE_TIMEOUT_MS = 1000;

/** A CA and a certificate for 127.0.0.1 signed by it, as files (made with openssl). */
export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** Makes a throwaway CA and a node certificate for 127.0.0.1 in `dir`. */
export function makeTlsFiles(dir: string): TlsFiles {
  const files = { ca: join(dir, 'ca.crt'), caKey: join(dir, 'ca.key'), cert: join(dir, 'node.crt'), key: join(dir, 'node.key'), csr: join(dir, 'node.csr'), ext: join(dir, 'node.ext') };
  writeFileSync(files.ext, 'subjectAltName=IP:127.0.0.1\n');
  const run = (args: string[]) => {
    const done = spawnSync('openssl', args, { encoding: 'utf8' });
    if (done.status !== 0) throw new Error(`openssl ${args[0]} failed: ${done.stderr}`);
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=parley test CA', '-keyout', files.caKey, '-out', files.ca]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', files.key, '-out', files.csr]);
  run(['x509', '-req', '-in', files.csr, '-CA', files.ca, '-CAkey', files.caKey, '-CAcreateserial', '-days', '1', '-extfile', files.ext, '-out', files.cert]);
  return { ca: files.ca, cert: files.cert, key: files.key };
}

/** How clients reach the nodes: a password (requirepass, also between nodes), TLS (clients, replication and the cluster bus). */
export interface ClusterSecurity {
  password?: string;
  tls?: boolean;
}

/**
 * A Redis Cluster of the test's own: `masters` masters, each with `replicas`
 * replicas, every node a local `redis-server` in a temp dir, on free ports.
 * Fault tests kill its nodes; nothing here touches the machine's shared Redis.
 * A node is presumed failed after 1 s (cluster-node-timeout), so a replica
 * takes over within a few seconds.
 */
export class RedisClusterProcesses {
  private constructor(
    readonly dir: string,
    readonly nodes: ClusterNode[],
    private readonly password: string | undefined,
    /** Set when the nodes speak TLS only. */
    readonly tls: TlsFiles | null,
  ) {}

  static async start({ masters = 3, replicas = 0, password, tls = false }: { masters?: number; replicas?: number } & ClusterSecurity = {}): Promise<RedisClusterProcesses> {
    const dir = mkdtempSync(join(tmpdir(), 'parley-redis-cluster-'));
    const nodes: ClusterNode[] = [];
    const cluster = new RedisClusterProcesses(dir, nodes, password, tls ? makeTlsFiles(dir) : null);
    try {
      const used = new Set<number>();
      const port = async () => {
        for (;;) {
          const p = await freePort();
          if (!used.has(p)) return used.add(p), p;
        }
      };
      for (let i = 0; i < masters * (1 + replicas); i++) nodes.push({ port: await port(), busPort: await port(), process: null });
      for (const node of nodes) cluster.spawnNode(node);
      await Promise.all(nodes.map((node) => cluster.waitForPing(node.port)));
      const created = spawnSync(
        'redis-cli',
        [...cluster.cliAccess(), '--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
        { encoding: 'utf8', timeout: 30_000 },
      );
      if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}\n${created.stderr}`);
      // Replicas are assigned after the slots: wait until each has synced with its master,
      // else a master killed early has no replica fit to take over.
      await cluster.untilHealthy(30_000, masters * replicas);
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** What REDIS_CLUSTER_NODES lists: every node (a client needs only one that answers). */
  get startupNodes(): RedisNode[] {
    return this.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  }

  get env(): string {
    return this.startupNodes.map((n) => `${n.host}:${n.port}`).join(',');
  }

  /** redis-cli's options to reach a node. */
  private cliAccess(): string[] {
    return [...(this.password ? ['-a', this.password, '--no-auth-warning'] : []), ...(this.tls ? ['--tls', '--cacert', this.tls.ca] : [])];
  }

  private spawnNode(node: ClusterNode): void {
    const tls = this.tls;
    // prettier-ignore
    const security = [
      ...(this.password ? ['--requirepass', this.password, '--masterauth', this.password] : []),
      ...(tls ? ['--port', '0', '--tls-port', String(node.port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.ca,
        '--tls-auth-clients', 'no', '--tls-cluster', 'yes', '--tls-replication', 'yes'] : ['--port', String(node.port)]),
    ];
    // prettier-ignore
    node.process = spawn('redis-server', [
      ...security, '--bind', '127.0.0.1', '--dir', this.dir,
      '--cluster-enabled', 'yes', '--cluster-port', String(node.busPort),
      '--cluster-config-file', `nodes-${node.port}.conf`, '--cluster-node-timeout', String(NODE_TIMEOUT_MS),
      '--save', '', '--appendonly', 'no', '--daemonize', 'no',
    ], { stdio: 'ignore' });
  }

  private async admin<T>(port: number, run: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 1000,
      ...(this.password ? { password: this.password } : {}),
      ...(this.tls ? { tls: { ca: readFileSync(this.tls.ca) } } : {}),
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await run(redis);
    } finally {
      redis.disconnect();
    }
  }

  private async waitForPing(port: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await this.admin(port, (r) => r.ping());
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /**
   * Every running node reports cluster_state:ok and knows every running node
   * as connected, every replica's link to its master is up, and (given)
   * there are `replicas` replicas in all.
   */
  async untilHealthy(timeoutMs = 30_000, replicas?: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const running = () => this.nodes.filter((n) => n.process);
    for (;;) {
      const states = await Promise.all(
        running().map((node) =>
          this.admin(node.port, async (r) => {
            const info = String(await r.call('CLUSTER', 'INFO'));
            const known = String(await r.call('CLUSTER', 'NODES')).trim().split('\n');
            const alive = known.filter((line) => !/\b(fail\??|handshake|noaddr)\b/.test(line.split(' ')[2] ?? '') && line.includes('connected'));
            const replication = String(await r.info('replication'));
            const replica = replication.includes('role:slave');
            const ok = info.includes('cluster_state:ok') && alive.length === running().length && (!replica || replication.includes('master_link_status:up'));
            return { ok, replica };
          }).catch(() => ({ ok: false, replica: false })),
        ),
      );
      const healthy = states.every((s) => s.ok) && (replicas === undefined || states.filter((s) => s.replica).length === replicas);
      if (healthy) return;
      if (Date.now() > deadline) throw new Error('the Redis Cluster did not become healthy');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The port of the master now serving `slot`, asked of a running node. */
  async masterOf(slot: number): Promise<number> {
    const node = this.nodes.find((n) => n.process)!;
    const slots = (await this.admin(node.port, (r) => r.call('CLUSTER', 'SLOTS'))) as [number, number, [string, number]][];
    const range = slots.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`no master serves slot ${slot}`);
    return range[2][1];
  }

  /** Runs a command on one node, outside the cluster client (what a node sees on its own). */
  on<T>(port: number, run: (redis: Redis) => Promise<T>): Promise<T> {
    return this.admin(port, run);
  }

  /** kill -9 of one node: no goodbye to the cluster or to clients. */
  async kill(port: number): Promise<void> {
    const node = this.nodes.find((n) => n.port === port);
    const child = node?.process;
    if (!node || !child) return;
    node.process = null;
    if (child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** Starts a killed node again, from its nodes-<port>.conf: it rejoins (a former master, as a replica). */
  async restart(port: number): Promise<void> {
    const node = this.nodes.find((n) => n.port === port);
    if (!node || node.process) return;
    this.spawnNode(node);
    await this.waitForPing(port);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill(n.port)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A cluster for the enclosing describe block (started before its tests,
 * stopped after them), with cluster clients as the app makes them.
 */
export function redisClusterForSuite(options: { masters?: number; replicas?: number } = {}) {
  let cluster: RedisClusterProcesses | undefined;
  const clients: Cluster[] = [];
  beforeAll(async () => {
    cluster = await RedisClusterProcesses.start(options);
  }, 60_000);
  afterAll(async () => {
    clients.forEach((c) => c.disconnect());
    await cluster?.stop();
  });
  const started = () => {
    if (!cluster) throw new Error('the Redis Cluster has not started');
    return cluster;
  };
  return {
    get cluster() {
      return started();
    },
    /** A commands client (membership, rate limits, presence), disconnected after the suite. */
    connect: async (commandTimeoutMs?: number): Promise<Cluster> => {
      const client = (await startRedis(connectRedis({ clusterNodes: started().startupNodes }, 'test', silentLogger, 'commands', commandTimeoutMs))) as Cluster;
      clients.push(client);
      return client;
    },
  };
}

/** KEYS over every master of a cluster (KEYS on a cluster client asks one node only). */
export async function clusterKeys(client: Cluster, pattern: string): Promise<string[]> {
  const perNode = await Promise.all(client.nodes('master').map((node) => node.keys(pattern)));
  return perNode.flat();
}
