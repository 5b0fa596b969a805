import { ConfigError, loadConfig } from '../config/config.js';
import { migrateRelational, openRelational, relationalOptionsOf } from '../relational/orm.js';

try {
  const config = loadConfig();
  // As every process migrates at start: on PostgreSQL without the statement deadline, taking turns with instances starting.
  const options = relationalOptionsOf(config);
  const orm = await openRelational(options);
  const applied = await migrateRelational(orm, options).finally(() => orm.close());
  console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database is up to date');
} catch (error) {
  console.error(`parley: migrate failed: ${error instanceof ConfigError ? 'invalid configuration: ' : ''}${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
