import type { Config } from '../config/config.js';
import { MongoMessageStore } from '../message-store/mongo-message-store.js';
import type { RelationalOrm } from '../relational/orm.js';
import { MongoReporting } from './mongo-reporting.js';
import type { Reporting } from './port.js';
import { SqlReporting } from './sql-reporting.js';

/**
 * Reports read where the messages are: MONGO_URL picks MongoDB, otherwise the
 * `messages` table of the relational database. MongoDB is opened as the store
 * opens it, so the job meets the collection upgraded and indexed (`created_at`)
 * or refuses to start, as every Parley process does.
 */
export async function openReporting(config: Config, orm: RelationalOrm): Promise<Reporting> {
  if (config.mongoUrl) {
    const store = await MongoMessageStore.open({ url: config.mongoUrl });
    return new MongoReporting(store.collection, () => store.close());
  }
  return new SqlReporting(orm);
}
