import { ConfigError, loadConfig } from '../config/config.js';
import { migrate, openRelational } from '../relational/orm.js';

try {
  const config = loadConfig();
  const orm = await openRelational({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, durable: config.pgliteFsync, connectTimeoutMs: config.databaseConnectTimeoutMs, statementTimeoutMs: 0 });
  const applied = await migrate(orm);
  await orm.close();
  console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database is up to date');
} catch (error) {
  console.error(`parley: migrate failed: ${error instanceof ConfigError ? 'invalid configuration: ' : ''}${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
