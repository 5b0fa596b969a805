import type { Config } from '../config/config.js';
import type { RelationalOrm } from '../relational/orm.js';
import type { Logger } from '../observability/log.js';
import { MongoMessageStore } from './mongo-message-store.js';
import { mongoDatabaseName, redactMongoUrl } from './mongo-url.js';
import type { MessageStore } from './port.js';
import { SqlMessageStore } from './sql-message-store.js';

/** MONGO_URL picks MongoDB; otherwise the `messages` table of the relational database. */
export async function openMessageStore(config: Config, orm: RelationalOrm, logger: Logger): Promise<MessageStore> {
  if (config.mongoUrl) {
    const store = await MongoMessageStore.open({ url: config.mongoUrl });
    logger.info({ url: redactMongoUrl(config.mongoUrl), database: mongoDatabaseName(config.mongoUrl) }, 'MongoDB message store ready');
    return store;
  }
  return new SqlMessageStore(orm);
}
