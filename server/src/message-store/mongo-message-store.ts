import type { MikroORM as CoreMikroORM } from '@mikro-orm/core';
import { MikroORM, MongoDriver } from '@mikro-orm/mongodb';
import type { Collection, Filter } from 'mongodb';
import type { Message } from '../domain/models.js';
import { oneLine } from '../support/logger.js';
import {
  MessageDocumentEntity,
  messageIndexes,
  retiredMessageIndexes,
  toDocument,
  toMessage,
  type MessageDocument,
} from './mongo-message-document.js';
import { mongoClientOptions, mongoDatabaseName, redactMongoUrl } from './mongo-url.js';
import { ensureMessageIndexes, insertOrdered } from './mongo-writes.js';
import { clientKeyOf, type Appended, type MessageStore, type NewMessage, type SeqRange, type TimeWindow, type WindowActivity } from './port.js';
import { activityPipeline, foldActivity, type ChatActivityGroup } from './mongo-activity.js';

export interface MongoMessageStoreOptions {
  /** MONGO_URL. */
  url: string;
  /** Overrides the database the URL names (tests use a fresh one per run). */
  dbName?: string;
}

/** /readyz must answer promptly even while MongoDB is unreachable. */
const PING_TIMEOUT_MS = 2000;
/** Chats whose last seq is remembered; past it the map starts over (a miss costs one read). */
const LAST_SEQ_CHATS = 50_000;

/** The production message store: the `messages` collection of MongoDB. */
export class MongoMessageStore implements MessageStore {
  /** MongoDB holds no chats or users to check against. */
  readonly checksReferences = false;
  /** Chats and members live in the relational database: the persister records their activity. */
  readonly recordsActivity = false;
  /**
   * Highest seq this store knows is stored per chat, so a chat's next batch
   * needs no maxSeqs read. Wrong only when another writer wrote the chat
   * meanwhile: the insert then collides on (chatId, seq), and the entry goes.
   */
  private lastSeq = new Map<string, number>();

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
      await ensureMessageIndexes(messages, messageIndexes, retiredMessageIndexes);
      return new MongoMessageStore(orm, messages);
    } catch (error) {
      // Closing stops the driver's monitoring timers, which would otherwise keep the process alive.
      await orm.close(true).catch(() => undefined);
      throw new Error(`MONGO_URL: ${step}: ${oneLine(error)}`, { cause: error });
    }
  }

  /**
   * Reads what is already stored under these ids or client keys, numbers the
   * rest after each chat's last seq, and inserts them in order: a collision
   * with another writer stops the insert there, and what follows is left for
   * the caller's retry (no seq hole, since rows go chat by chat in seq order).
   */
  async append(messages: readonly NewMessage[]): Promise<Appended> {
    if (messages.length === 0) return { written: [], existing: [] };
    const existing = await this.storedUnder(messages);
    const ids = new Set(existing.map((m) => m.id));
    const keys = new Set(existing.flatMap((m) => (m.clientId === null ? [] : [clientKeyOf({ ...m, clientId: m.clientId })])));
    const rows = await this.numbered(messages.filter((m) => !ids.has(m.id) && !keys.has(clientKeyOf(m))));
    let written: number;
    try {
      written = await insertOrdered(this.messages, rows.map(toDocument));
    } catch (error) {
      for (const row of rows) this.lastSeq.delete(row.chatId);
      throw error;
    }
    for (const row of rows.slice(0, written)) this.lastSeq.set(row.chatId, row.seq);
    for (const row of rows.slice(written)) this.lastSeq.delete(row.chatId);
    return {
      written: rows.slice(0, written),
      existing,
      ...(written < rows.length ? { collision: 'another writer took a seq of the chat or stored one of these messages meanwhile' } : {}),
    };
  }

  async insertMany(messages: readonly Message[]): Promise<number> {
    return insertOrdered(this.messages, messages.map(toDocument));
  }

  private async storedUnder(messages: readonly NewMessage[]): Promise<Message[]> {
    const documents = await this.messages
      .find({
        $or: [
          { _id: { $in: messages.map((m) => m.id) } },
          ...messages.map((m) => ({ senderId: m.senderId, chatId: m.chatId, clientId: m.clientId })),
        ],
      })
      .toArray();
    return documents.map(toMessage);
  }

  /** Each chat's next seqs; rows come out grouped by chat in seq order, as the ordered insert's prefix rule needs. */
  private async numbered(messages: NewMessage[]): Promise<Message[]> {
    if (this.lastSeq.size > LAST_SEQ_CHATS) this.lastSeq.clear();
    const unknown = [...new Set(messages.map((m) => m.chatId).filter((id) => !this.lastSeq.has(id)))];
    if (unknown.length > 0) {
      for (const [chatId, seq] of await this.maxSeqs(unknown)) this.lastSeq.set(chatId, seq);
    }
    const next = new Map<string, number>();
    const rows = messages.map((m) => {
      const seq = (next.get(m.chatId) ?? this.lastSeq.get(m.chatId)!) + 1;
      next.set(m.chatId, seq);
      return { ...m, seq };
    });
    return rows.sort((a, b) => (a.chatId === b.chatId ? a.seq - b.seq : a.chatId < b.chatId ? -1 : 1));
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
    // Unbounded (timeoutMS 0): one day of a large deployment outlasts the per-operation bound; the
    // job's runner bounds the run (Airflow's execution_timeout).
    const groups = await this.messages
      .aggregate<ChatActivityGroup>(activityPipeline(window), { allowDiskUse: true, timeoutMS: 0 })
      .toArray();
    return foldActivity(groups);
  }

  async ping(): Promise<void> {
    await this.orm.driver.getConnection().getClient().db('admin').command({ ping: 1 }, { timeoutMS: PING_TIMEOUT_MS });
  }

  async close(): Promise<void> {
    await this.orm.close();
  }
}
