import type { MikroORM as CoreMikroORM } from '@mikro-orm/core';
import { MikroORM, MongoDriver } from '@mikro-orm/mongodb';
import type { Collection, Document, Filter } from 'mongodb';
import { READINESS_PROBE_MS } from '../config/tuning.js';
import type { Message } from '../domain/models.js';
import { oneLine } from '../support/error-text.js';
import {
  upgradeFilter,
  upgradePipeline,
  MessageDocumentEntity,
  messageIndexes,
  retiredMessageIndexes,
  toDocument,
  toMessage,
  type MessageDocument,
} from './mongo-message-document.js';
import { mongoClientOptions, mongoDatabaseName, redactMongoUrl } from './mongo-url.js';
import { ensureMessageIndexes, insertOrdered, MESSAGE_WRITE_CONCERN } from './mongo-writes.js';
import {
  clientKeyOf,
  type Appended,
  type BodyPosition,
  type ChangeOutcome,
  type MessageChange,
  type MessageStore,
  type NewMessage,
  type SearchHit,
  type SearchPosition,
  type SearchTerms,
  type SeqRange,
  type StoredBody,
} from './port.js';

export interface MongoMessageStoreOptions {
  /** MONGO_URL. */
  url: string;
  /** Overrides the database the URL names (tests use a fresh one per run). */
  dbName?: string;
}

/** Chats whose counters are remembered; past it the map starts over (a miss costs one read). */
const COUNTED_CHATS = 50_000;
/** Tries of one change that keeps losing its event seq to other writers before the batch is retried. */
const CHANGE_ATTEMPTS = 5;

/** A chat's highest seq, event seq and text count, as this store last wrote or read them. */
interface Counters {
  seq: number;
  eventSeq: number;
  textSeq: number;
}

const DUPLICATE_KEY = 11000;

/** The production message store: the `messages` collection of MongoDB. */
export class MongoMessageStore implements MessageStore {
  /**
   * Each chat's counters as this store knows them, so a chat's next batch
   * needs no read. Wrong only when another writer wrote the chat meanwhile:
   * the write then collides on (chatId, seq) or (chatId, changedSeq), and the
   * entry goes.
   */
  private counters = new Map<string, Counters>();

  private constructor(
    private readonly orm: CoreMikroORM<MongoDriver>,
    private readonly messages: Collection<MessageDocument>,
  ) {}

  /** The collection as opened and checked here, for the reports (reporting/open-reporting.ts). */
  get collection(): Collection<MessageDocument> {
    return this.messages;
  }

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
      step = `could not upgrade the messages of ${dbName}.messages on ${where}`;
      await messages.updateMany(upgradeFilter, upgradePipeline, { writeConcern: MESSAGE_WRITE_CONCERN, timeoutMS: 0 });
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
      written = await insertOrdered(this.messages, rows.map((row) => toDocument(row)));
    } catch (error) {
      for (const row of rows) this.counters.delete(row.chatId);
      throw error;
    }
    for (const row of rows.slice(0, written)) this.counters.set(row.chatId, { seq: row.seq, eventSeq: row.eventSeq, textSeq: row.textSeq });
    for (const row of rows.slice(written)) this.counters.delete(row.chatId);
    return {
      written: rows.slice(0, written),
      existing,
      ...(written < rows.length ? { collision: 'another writer took a seq of the chat or stored one of these messages meanwhile' } : {}),
    };
  }

  async insertMany(messages: readonly Message[]): Promise<number> {
    for (const m of messages) this.counters.delete(m.chatId);
    return insertOrdered(this.messages, messages.map((m) => toDocument(m)));
  }

  /**
   * Takes the chat's next event seq and updates the message in one command,
   * only if the change applies (see MessageChange); another writer that took
   * that event seq first makes the unique (chatId, changedSeq) index refuse
   * it, and the change is tried again with fresh counters.
   */
  async change(change: MessageChange): Promise<ChangeOutcome> {
    const deleting = change.change === 'delete';
    const at = change.acceptedAt;
    for (let attempt = 1; ; attempt++) {
      const [counters] = [...(await this.countersOf([change.chatId])).values()];
      const eventSeq = counters.eventSeq + 1;
      try {
        const updated = await this.messages.findOneAndUpdate(
          {
            _id: change.messageId,
            chatId: change.chatId,
            deletedAt: null,
            // A deletion is final whenever it comes; edits apply in acceptance order, ordered only
            // among changes (the message was stored before the change was accepted, whatever the clocks say).
            ...(deleting ? {} : { kind: 'TEXT', $or: [{ changeId: null }, { changedAt: { $lt: at } }, { changedAt: at, changeId: { $lt: change.changeId } }] }),
          },
          {
            $set: {
              body: deleting ? '' : (change.body ?? ''),
              ...(deleting ? { deletedAt: at } : { editedAt: at }),
              changedSeq: eventSeq,
              changedAt: at,
              changeId: change.changeId,
            },
          },
          { returnDocument: 'after', writeConcern: MESSAGE_WRITE_CONCERN },
        );
        if (updated) {
          counters.eventSeq = eventSeq;
          return { message: toMessage(updated), applied: true, current: true };
        }
        const current = await this.messages.findOne({ _id: change.messageId, chatId: change.chatId });
        return { message: current ? toMessage(current) : null, applied: false, current: current?.changeId === change.changeId };
      } catch (error) {
        this.counters.delete(change.chatId);
        if ((error as { code?: unknown }).code !== DUPLICATE_KEY || attempt >= CHANGE_ATTEMPTS) throw error;
      }
    }
  }

  async changedAfter(chatId: string, afterEventSeq: number, limit: number): Promise<Message[]> {
    if (limit <= 0) return [];
    const documents = await this.messages.find({ chatId, changedSeq: { $gt: afterEventSeq } }).sort({ changedSeq: 1 }).limit(limit).toArray();
    return documents.map(toMessage);
  }

  async textSeqAt(chatId: string, seq: number): Promise<number> {
    const [document] = await this.messages.find({ chatId, seq: { $lte: seq } }).sort({ seq: -1 }).limit(1).toArray();
    return document ? (document.textSeq ?? document.seq) : 0;
  }

  /** Each chat's counters, from memory or, for chats not known here, from the (chatId, seq) and (chatId, changedSeq) indexes. */
  private async countersOf(chatIds: string[]): Promise<Map<string, Counters>> {
    if (this.counters.size > COUNTED_CHATS) this.counters.clear();
    const unknown = [...new Set(chatIds.filter((id) => !this.counters.has(id)))];
    if (unknown.length > 0) {
      const [seqs, events] = await Promise.all([
        this.messages
          .aggregate<{ _id: string; seq: number; textSeq: number | null }>([
            { $match: { chatId: { $in: unknown } } },
            { $sort: { chatId: -1, seq: -1 } },
            { $group: { _id: '$chatId', seq: { $first: '$seq' }, textSeq: { $first: '$textSeq' } } },
          ])
          .toArray(),
        this.messages
          .aggregate<{ _id: string; eventSeq: number }>([
            { $match: { chatId: { $in: unknown }, changedSeq: { $type: 'number' } } },
            { $sort: { chatId: -1, changedSeq: -1 } },
            { $group: { _id: '$chatId', eventSeq: { $first: '$changedSeq' } } },
          ])
          .toArray(),
      ]);
      for (const id of unknown) this.counters.set(id, { seq: 0, eventSeq: 0, textSeq: 0 });
      for (const row of seqs) Object.assign(this.counters.get(row._id)!, { seq: row.seq, textSeq: row.textSeq ?? row.seq });
      for (const row of events) this.counters.get(row._id)!.eventSeq = row.eventSeq;
    }
    return new Map(chatIds.map((id) => [id, this.counters.get(id)!]));
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
    const known = await this.countersOf(messages.map((m) => m.chatId));
    const next = new Map<string, Counters>();
    const rows = messages.map((m): Message => {
      const last = next.get(m.chatId) ?? known.get(m.chatId)!;
      // Event seqs run ahead of seqs (every message is an event, not every event a message).
      const counted = { seq: last.seq + 1, eventSeq: Math.max(last.eventSeq, last.seq) + 1, textSeq: last.textSeq + (m.kind === 'TEXT' ? 1 : 0) };
      next.set(m.chatId, counted);
      return { ...m, ...counted, changedSeq: counted.eventSeq, editedAt: null, deletedAt: null };
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

  /**
   * The text index matches whole words: every word must be in the message
   * (each is quoted, which MongoDB reads as "all of these"), and the word
   * typed last is matched whole too (a text index has no prefixes).
   */
  async search(chatIds: readonly string[], terms: SearchTerms, limit: number, after: SearchPosition | null): Promise<SearchHit[]> {
    const { words } = terms;
    if (chatIds.length === 0 || words.length === 0 || limit <= 0) return [];
    const pipeline: Document[] = [
      {
        $match: {
          $text: { $search: words.map((word) => `"${word}"`).join(' '), $caseSensitive: false, $diacriticSensitive: false },
          chatId: { $in: [...new Set(chatIds)] },
          kind: 'TEXT',
          deletedAt: null,
        },
      },
      { $addFields: { rank: { $meta: 'textScore' } } },
    ];
    if (after) {
      const { rank, createdAt, id } = after;
      pipeline.push({ $match: { $or: [{ rank: { $lt: rank } }, { rank, createdAt: { $lt: createdAt } }, { rank, createdAt, _id: { $lt: id } }] } });
    }
    pipeline.push({ $sort: { rank: -1, createdAt: -1, _id: -1 } }, { $limit: limit });
    const documents = await this.messages.aggregate<MessageDocument & { rank: number }>(pipeline).toArray();
    return documents.map((document) => ({ message: toMessage(document), rank: document.rank }));
  }

  /** Keyset pages over the chat_seq index. */
  async bodies(after: BodyPosition | null, limit: number): Promise<StoredBody[]> {
    if (limit <= 0) return [];
    const filter: Filter<MessageDocument> =
      after === null ? {} : { $or: [{ chatId: { $gt: after.chatId } }, { chatId: after.chatId, seq: { $gt: after.seq } }] };
    const documents = await this.messages
      .find(filter, { projection: { _id: 1, chatId: 1, seq: 1, body: 1 } })
      .sort({ chatId: 1, seq: 1 })
      .hint('chat_seq')
      .limit(limit)
      .toArray();
    return documents.map((d) => ({ id: d._id, chatId: d.chatId, seq: d.seq, body: d.body }));
  }

  /** One document by its key, only while its body is the one read: a concurrent change wins (single-document writes are atomic). */
  async replaceBody(stored: StoredBody, body: string): Promise<boolean> {
    const result = await this.messages.updateOne(
      { _id: stored.id, chatId: stored.chatId, body: stored.body },
      { $set: { body } },
      { writeConcern: MESSAGE_WRITE_CONCERN },
    );
    return result.modifiedCount === 1;
  }

  async ping(): Promise<void> {
    await this.orm.driver.getConnection().getClient().db('admin').command({ ping: 1 }, { timeoutMS: READINESS_PROBE_MS });
  }

  async close(): Promise<void> {
    await this.orm.close();
  }
}
