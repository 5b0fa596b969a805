import type { MikroORM as CoreMikroORM } from '@mikro-orm/core';
import { MikroORM, MongoDriver } from '@mikro-orm/mongodb';
import type { Collection, Filter } from 'mongodb';
import type { Message } from '../domain/models.js';
import { oneLine } from '../support/logger.js';
import { writtenBeforeDuplicateKey } from './mongo-duplicate-key.js';
import { MessageDocumentEntity, messageIndexes, toDocument, toMessage, type MessageDocument } from './mongo-message-document.js';
import { mongoClientOptions, mongoDatabaseName, redactMongoUrl } from './mongo-url.js';
import type { MessageStore, SeqRange, TimeWindow, WindowActivity } from './port.js';
import { activityPipeline, foldActivity, type ChatActivityGroup } from './mongo-activity.js';

export interface MongoMessageStoreOptions {
  /** MONGO_URL. */
  url: string;
  /** Overrides the database the URL names (tests use a fresh one per run). */
  dbName?: string;
}

/** /readyz must answer promptly even while MongoDB is unreachable. */
const PING_TIMEOUT_MS = 2000;

/** The production message store: the `messages` collection of MongoDB. */
export class MongoMessageStore implements MessageStore {
  /** MongoDB holds no chats or users to check against. */
  readonly checksReferences = false;

  private constructor(
    private readonly orm: CoreMikroORM<MongoDriver>,
    private readonly messages: Collection<MessageDocument>,
  ) {}

  /**
   * Fails start-up, within the driver's server selection bound, unless MongoDB
   * answers and the unique indexes are in place: every history read needs the
   * store, and writing before `(chatId, seq)` is unique could store two
   * messages under one seq.
   */
  static async open(options: MongoMessageStoreOptions): Promise<MongoMessageStore> {
    const dbName = options.dbName ?? mongoDatabaseName(options.url);
    const where = `MongoDB at ${redactMongoUrl(options.url)}`;
    const orm = await MikroORM.init({
      driver: MongoDriver,
      clientUrl: options.url,
      dbName,
      entities: [MessageDocumentEntity],
      driverOptions: mongoClientOptions(options.url),
      discovery: { warnWhenNoEntities: false },
      debug: false,
      allowGlobalContext: false,
    });
    let step = `${where} is not usable`;
    try {
      const connection = orm.driver.getConnection();
      const messages = connection.getCollection<MessageDocument>(MessageDocumentEntity);
      step = `${where} did not answer`;
      await connection.getClient().db('admin').command({ ping: 1 });
      step = `could not create the indexes of ${dbName}.messages on ${where}`;
      await messages.createIndexes(messageIndexes);
      return new MongoMessageStore(orm, messages);
    } catch (error) {
      // Closing stops the driver's monitoring timers, which would otherwise keep the process alive.
      await orm.close(true).catch(() => undefined);
      throw new Error(`MONGO_URL: ${step}: ${oneLine(error)}`, { cause: error });
    }
  }

  /** Ordered, so MongoDB stops at the first collision and everything before it is written. */
  async insertMany(messages: readonly Message[]): Promise<number> {
    if (messages.length === 0) return 0;
    try {
      const result = await this.messages.insertMany(messages.map(toDocument), { ordered: true });
      return result.insertedCount;
    } catch (error) {
      const written = writtenBeforeDuplicateKey(error);
      if (written === undefined) throw error;
      return written;
    }
  }

  async findByIds(ids: readonly string[]): Promise<Message[]> {
    if (ids.length === 0) return [];
    const documents = await this.messages.find({ _id: { $in: [...ids] } }).toArray();
    return documents.map(toMessage);
  }

  async maxSeqs(chatIds: readonly string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>(chatIds.map((id) => [id, 0]));
    if (chatIds.length === 0) return result;
    // $sort + $first rather than $max: the server can then jump through the (chatId, seq)
    // index one key per chat (DISTINCT_SCAN) instead of reading every message of each chat.
    const rows = await this.messages
      .aggregate<{ _id: string; maxSeq: number }>([
        { $match: { chatId: { $in: [...chatIds] } } },
        { $sort: { chatId: -1, seq: -1 } },
        { $group: { _id: '$chatId', maxSeq: { $first: '$seq' } } },
      ])
      .toArray();
    for (const row of rows) result.set(row._id, row.maxSeq);
    return result;
  }

  async range(chatId: string, range: SeqRange): Promise<Message[]> {
    // MongoDB reads limit 0 as "no limit".
    if (range.limit <= 0) return [];
    const seq: { $gt?: number; $lt?: number } = {};
    if (range.afterSeq !== undefined) seq.$gt = range.afterSeq;
    if (range.beforeSeq !== undefined) seq.$lt = range.beforeSeq;
    const filter: Filter<MessageDocument> = seq.$gt === undefined && seq.$lt === undefined ? { chatId } : { chatId, seq };
    const documents = await this.messages
      .find(filter)
      .sort({ seq: range.from === 'oldest' ? 1 : -1 })
      .limit(range.limit)
      .toArray();
    if (range.from === 'newest') documents.reverse();
    return documents.map(toMessage);
  }

  async activity(window: TimeWindow): Promise<WindowActivity> {
    // A day of a busy deployment can outgrow $group's 100 MB in memory: let it spill to disk.
    const groups = await this.messages.aggregate<ChatActivityGroup>(activityPipeline(window), { allowDiskUse: true }).toArray();
    return foldActivity(groups);
  }

  async ping(): Promise<void> {
    await this.orm.driver.getConnection().getClient().db('admin').command({ ping: 1 }, { timeoutMS: PING_TIMEOUT_MS });
  }

  async close(): Promise<void> {
    await this.orm.close();
  }
}
