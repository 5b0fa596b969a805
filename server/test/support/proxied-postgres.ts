import type { Logger } from '../../src/observability/log.js';
import { CuttableProxy } from './cuttable-proxy.js';
import { TestServer } from './server.js';
import { postgresTarget } from './targets.js';

/** A Parley on a database of its own, reached through a proxy whose plug a test can pull: PostgreSQL fails alone. */
export interface ProxiedPostgres {
  server: TestServer;
  proxy: CuttableProxy;
  stop(): Promise<void>;
}

export async function serverBehindProxy(env: Record<string, string> = {}, logger?: Logger): Promise<ProxiedPostgres> {
  const storage = await postgresTarget.provision();
  const database = new URL(storage.databaseUrl!);
  const proxy = await CuttableProxy.start(Number(database.port || 5432), database.hostname);
  database.host = `127.0.0.1:${proxy.port}`;
  const server = await TestServer.attach({ ...storage, databaseUrl: database.toString() }, env, logger);
  return {
    server,
    proxy,
    stop: async () => {
      proxy.restore();
      await server.stop();
      await proxy.close();
      await storage.dispose();
    },
  };
}
