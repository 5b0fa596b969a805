import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { MongoBulkWriteError, MongoClient, MongoServerError, type BulkWriteResult, type WriteError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { messageIndexes, retiredMessageIndexes, toDocument, type MessageDocument } from '../../src/message-store/mongo-message-document.js';
import { mongoClientOptions } from '../../src/message-store/mongo-url.js';
import { ensureMessageIndexes, insertOrdered, MESSAGE_WRITE_CONCERN, type MessageCollection } from '../../src/message-store/mongo-writes.js';
import { InvalidMessageError } from '../../src/message-store/port.js';
import { storedMessage } from '../support/stored-message.js';

/*
 * What the MongoDB store asks of the driver, checked without a server (none
 * can run here; the contract suite runs against a real one in the compose
 * test profile): the options every write and index change is sent with, and
 * how the driver's answers are read. A stand-in collection records each call.
 */

const driverBulk = createRequire(import.meta.url)('mongodb/lib/bulk/common.js') as {
  WriteError: new (error: object) => WriteError;
  BulkWriteResult: new (bulkResult: object, isOrdered: boolean) => BulkWriteResult;
};

const documents = (count: number): MessageDocument[] =>
  Array.from({ length: count }, (_, i) =>
    toDocument(storedMessage({ id: randomUUID(), chatId: 'c1', seq: i + 1, senderId: 's1', body: `m${i}`, clientId: randomUUID(), createdAt: new Date() })),
  );

/** The error the driver raises when an ordered insert stops at `index` with `code`. */
function stoppedAt(docs: MessageDocument[], index: number, code: number): MongoBulkWriteError {
  const writeError = new driverBulk.WriteError({ index, code, errmsg: `write error ${code}`, errInfo: {}, op: docs[index] });
  const bulk = {
    ok: 1,
    writeErrors: [writeError],
    writeConcernErrors: [],
    insertedIds: docs.map((d, i) => ({ index: i, _id: d._id })),
    nInserted: index,
    nUpserted: 0,
    nMatched: 0,
    nModified: 0,
    nRemoved: 0,
    upserted: [],
  };
  return new MongoBulkWriteError({ message: writeError.errmsg!, code, writeErrors: [writeError] }, new driverBulk.BulkWriteResult(bulk, true));
}

interface Call {
  method: string;
  args: unknown[];
}

function standIn(answers: Partial<Record<'insertMany' | 'createIndexes' | 'dropIndex', (...args: unknown[]) => Promise<unknown>>> = {}) {
  const calls: Call[] = [];
  const record =
    (method: keyof typeof answers, fallback: (...args: unknown[]) => unknown) =>
    async (...args: unknown[]) => {
      calls.push({ method, args });
      return answers[method] ? answers[method]!(...args) : fallback(...args);
    };
  const collection = {
    insertMany: record('insertMany', (docs) => ({ insertedCount: (docs as unknown[]).length })),
    createIndexes: record('createIndexes', () => []),
    dropIndex: record('dropIndex', () => ({ ok: 1 })),
  } as unknown as MessageCollection;
  return { collection, calls };
}

describe('MongoDB message writes', () => {
  it('insert in order with a majority, journaled write concern', async () => {
    const { collection, calls } = standIn();
    const docs = documents(3);
    expect(await insertOrdered(collection, docs)).toBe(3);
    expect(calls).toEqual([{ method: 'insertMany', args: [docs, { ordered: true, writeConcern: { w: 'majority', journal: true } }] }]);
    expect(MESSAGE_WRITE_CONCERN).toEqual({ w: 'majority', journal: true });
  });

  it('report the prefix written before a duplicate key', async () => {
    const docs = documents(4);
    const { collection } = standIn({ insertMany: () => Promise.reject(stoppedAt(docs, 2, 11000)) });
    expect(await insertOrdered(collection, docs)).toBe(2);
  });

  it('refuse a document MongoDB will never accept with InvalidMessageError', async () => {
    const docs = documents(3);
    const { collection } = standIn({ insertMany: () => Promise.reject(stoppedAt(docs, 1, 121)) }); // DocumentValidationFailure
    const error = await insertOrdered(collection, docs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect((error as Error).cause).toBeInstanceOf(MongoBulkWriteError);
    const tooLarge = standIn({ insertMany: () => Promise.reject(new MongoServerError({ message: 'object to insert too large', code: 10334 })) });
    await expect(insertOrdered(tooLarge.collection, docs)).rejects.toBeInstanceOf(InvalidMessageError);
  });

  it('pass anything else through as it is (an outage or a timeout is transient)', async () => {
    const timeout = new Error('Timed out');
    timeout.name = 'MongoOperationTimeoutError';
    const { collection } = standIn({ insertMany: () => Promise.reject(timeout) });
    await expect(insertOrdered(collection, documents(1))).rejects.toBe(timeout);
  });

  it('create the indexes under their names, then drop the retired (senderId, clientId) one, unbounded by the operation timeout', async () => {
    const { collection, calls } = standIn();
    await ensureMessageIndexes(collection, messageIndexes, retiredMessageIndexes);
    expect(calls).toEqual([
      { method: 'createIndexes', args: [messageIndexes, { timeoutMS: 0 }] },
      { method: 'dropIndex', args: ['sender_client', { timeoutMS: 0 }] },
    ]);
    const idempotency = messageIndexes.find((i) => i.name === 'sender_chat_client');
    expect(idempotency).toMatchObject({ key: { senderId: 1, chatId: 1, clientId: 1 }, unique: true });
    expect(messageIndexes.map((i) => i.name)).not.toContain('sender_client');
  });

  it('start again after the retired index is gone (IndexNotFound), and fail on any other error', async () => {
    const gone = new MongoServerError({ message: 'index not found with name [sender_client]', code: 27, codeName: 'IndexNotFound' });
    await expect(ensureMessageIndexes(standIn({ dropIndex: () => Promise.reject(gone) }).collection, messageIndexes, retiredMessageIndexes)).resolves.toBeUndefined();
    const denied = new MongoServerError({ message: 'not authorized', code: 13 });
    await expect(ensureMessageIndexes(standIn({ dropIndex: () => Promise.reject(denied) }).collection, messageIndexes, retiredMessageIndexes)).rejects.toBe(denied);
  });
});

describe('MongoDB operation bound', () => {
  it('is 10 s per operation unless MONGO_URL sets timeoutMS', () => {
    expect(mongoClientOptions('mongodb://mongo:27017/chat')).toMatchObject({ timeoutMS: 10_000 });
    expect(mongoClientOptions('mongodb://mongo:27017/chat?timeoutMS=30000')).not.toHaveProperty('timeoutMS');
  });

  it('is what the driver ends up using', () => {
    const timeoutOf = (url: string) => new MongoClient(url, mongoClientOptions(url)).options.timeoutMS; // parses only
    expect(timeoutOf('mongodb://127.0.0.1:27017/chat')).toBe(10_000);
    expect(timeoutOf('mongodb://127.0.0.1:27017/chat?timeoutMS=30000')).toBe(30_000);
    expect(timeoutOf('mongodb://a:27017,b:27017/chat?replicaSet=rs0&timeoutms=0')).toBe(0);
  });
});
