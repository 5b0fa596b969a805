import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildServer } from '../support/child-server.js';
import { createTestDatabase, postgresUnreachable, type TestDatabase } from '../support/postgres.js';
import { clusterSkipReason, RedisClusterProcesses } from '../support/redis-cluster.js';
import { subscribeMessages } from '../support/server.js';
import { directChat, send, signup } from '../support/users.js';
import { until } from '../support/until.js';

/*
 * A Redis Cluster as a managed service runs it: a password on every node and
 * TLS only (clients, replication and the cluster bus). Parley runs as its own
 * process, since the CA it must trust comes from NODE_EXTRA_CA_CERTS, which
 * Node reads at start-up.
 */
const reason = clusterSkipReason ?? (await postgresUnreachable());
const suite = reason ? describe.skip : describe;
if (reason) console.warn(`SKIPPED secured Redis Cluster suite: ${reason}`);

const PASSWORD = 'cluster-secret-for-tests';
const WRONG_PASSWORD = 'Wr0ngClusterPassw0rd';

suite('on a Redis Cluster with a password and TLS only', () => {
  let cluster: RedisClusterProcesses;
  let db: TestDatabase;
  const servers: ChildServer[] = [];
  const start = async (env: Record<string, string>) => {
    const server = await ChildServer.start({ DATABASE_URL: db.url, REDIS_CLUSTER_NODES: cluster.env, NODE_EXTRA_CA_CERTS: cluster.tls!.ca, ...env });
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    cluster = await RedisClusterProcesses.start({ masters: 3, password: PASSWORD, tls: true });
    db = await createTestDatabase();
  }, 90_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill()));
    await cluster?.stop();
    await db?.drop();
  });

  it('is ready and delivers live with REDIS_CLUSTER_PASSWORD and REDIS_CLUSTER_TLS=on', async () => {
    const server = await start({ REDIS_CLUSTER_PASSWORD: PASSWORD, REDIS_CLUSTER_TLS: 'on' });
    const { status, body } = await server.readiness();
    expect(status).toBe(200);
    expect(body.engines).toMatchObject({ realtimeBus: 'up', cache: 'up' });

    const [ada, bob] = [await signup(server), await signup(server)];
    const chatId = await directChat(server, ada, bob);
    const client = server.wsClient(bob.token);
    const live = subscribeMessages(client, chatId, 0);
    try {
      await send(server, ada, chatId, 'over TLS');
      expect((await live.waitFor(1)).map((m) => m.body)).toEqual(['over TLS']);
    } finally {
      live.close();
      await client.dispose();
    }
  });

  it('refuses to start with a wrong password or without TLS, with one line saying what Redis answered', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ REDIS_CLUSTER_PASSWORD: WRONG_PASSWORD, REDIS_CLUSTER_TLS: 'on' }, /could not start: REDIS_CLUSTER_NODES: the Redis Cluster at .* did not answer: WRONGPASS/],
      [{ REDIS_CLUSTER_PASSWORD: PASSWORD }, /could not start: REDIS_CLUSTER_NODES: the Redis Cluster at .* did not answer: .*set REDIS_CLUSTER_TLS=on/],
    ];
    for (const [env, said] of cases) {
      const failure = await start(env).then(
        () => 'started',
        (error: Error) => error.message,
      );
      expect(failure).toMatch(/^child server exited with 1/);
      expect(failure).toMatch(said);
      // Every line it printed, warnings about each node included, leaves the password out.
      expect(failure).not.toContain(WRONG_PASSWORD);
      expect(failure).not.toContain(PASSWORD);
    }
  });
});
