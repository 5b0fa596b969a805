import type { Config } from '../config/config.js';
import type { RelationalOrm } from '../relational/orm.js';
import type { Logger } from '../support/logger.js';
import type { MessageStore } from './port.js';
import { SqlMessageStore } from './sql-message-store.js';

/** MONGO_URL picks MongoDB; otherwise the `messages` table of the relational database. */
export async function openMessageStore(config: Config, orm: RelationalOrm, _logger: Logger): Promise<MessageStore> {
  if (config.mongoUrl) throw new Error('MONGO_URL: the MongoDB message store is not built yet');
  return new SqlMessageStore(orm);
}
