import type { Config } from '../config/config.js';
import { SqlChatRepository } from '../relational/chat-repository.js';
import type { RelationalOrm } from '../relational/orm.js';
import { SqlUserRepository } from '../relational/user-repository.js';
import type { Logger } from '../observability/log.js';
import { BookkeepingMessageStore } from './bookkeeping-message-store.js';
import { MongoMessageStore } from './mongo-message-store.js';
import { mongoDatabaseName, redactMongoUrl } from './mongo-url.js';
import type { MessageStore } from './port.js';
import { SqlMessageStore } from './sql-message-store.js';

/**
 * MONGO_URL picks MongoDB, behind the bookkeeping that checks its messages'
 * chats and senders and records them in the chats; otherwise the `messages`
 * table of the relational database, whose statements do both.
 */
export async function openMessageStore(config: Config, orm: RelationalOrm, logger: Logger): Promise<MessageStore> {
  if (config.mongoUrl) {
    const store = await MongoMessageStore.open({ url: config.mongoUrl });
    logger.info({ url: redactMongoUrl(config.mongoUrl), database: mongoDatabaseName(config.mongoUrl) }, 'MongoDB message store ready');
    return new BookkeepingMessageStore(store, new SqlChatRepository(orm), new SqlUserRepository(orm));
  }
  return new SqlMessageStore(orm);
}
