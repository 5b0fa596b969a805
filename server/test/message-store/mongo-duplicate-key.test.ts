import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  MongoBulkWriteError,
  MongoNetworkError,
  MongoServerError,
  type BulkWriteResult,
  type WriteConcernError,
  type WriteError,
} from 'mongodb';
import { describe, expect, it } from 'vitest';
import { writtenBeforeDuplicateKey } from '../../src/message-store/mongo-duplicate-key.js';

/*
 * The errors are built from the driver's own classes, the way its bulk code
 * (mongodb/lib/bulk/common.js) builds them after an ordered insertMany: a
 * bulk result merged from the server's reply, then `handleWriteError` or the
 * early-error path wrapping it in a MongoBulkWriteError.
 */

// The driver exports these classes as types only; its bulk code builds them from this module.
const driverBulk = createRequire(import.meta.url)('mongodb/lib/bulk/common.js') as {
  MongoBulkWriteError: typeof MongoBulkWriteError;
  WriteError: typeof WriteError;
  WriteConcernError: typeof WriteConcernError;
  // Its constructor is internal, so the public types leave it out.
  BulkWriteResult: new (bulkResult: object, isOrdered: boolean) => BulkWriteResult;
};
const { BulkWriteResult: BulkWriteResultOf, WriteError: WriteErrorOf, WriteConcernError: WriteConcernErrorOf } = driverBulk;

const ops = (count: number) => Array.from({ length: count }, (_, i) => ({ _id: randomUUID(), chatId: 'c1', seq: i + 1 }));

function bulkResult(options: { ids: { _id: string }[]; nInserted: number; writeErrors?: WriteError[]; writeConcernErrors?: WriteConcernError[] }) {
  return {
    ok: 1,
    writeErrors: options.writeErrors ?? [],
    writeConcernErrors: options.writeConcernErrors ?? [],
    insertedIds: options.ids.map((op, index) => ({ index, _id: op._id })),
    nInserted: options.nInserted,
    nUpserted: 0,
    nMatched: 0,
    nModified: 0,
    nRemoved: 0,
    upserted: [],
  };
}

/** What the server's reply to an ordered insert that hit a duplicate at `index` becomes. */
function stoppedAt(index: number, options: { code?: number; nInserted?: number; writeConcernErrors?: WriteConcernError[] } = {}) {
  const docs = ops(index + 2);
  const code = options.code ?? 11000;
  const writeError = new WriteErrorOf({
    index,
    code,
    errmsg: `E11000 duplicate key error collection: parley.messages index: chat_seq dup key: { chatId: "c1", seq: ${index + 1} }`,
    errInfo: {},
    op: docs[index],
  });
  const bulk = bulkResult({ ids: docs, nInserted: options.nInserted ?? index, writeErrors: [writeError], writeConcernErrors: options.writeConcernErrors });
  return new MongoBulkWriteError({ message: writeError.errmsg!, code, writeErrors: [writeError] }, new BulkWriteResultOf(bulk, true));
}

describe('writtenBeforeDuplicateKey', () => {
  it('is the index of the duplicate: everything before it was written', () => {
    expect(writtenBeforeDuplicateKey(stoppedAt(0))).toBe(0);
    expect(writtenBeforeDuplicateKey(stoppedAt(3))).toBe(3);
  });

  it('reads the shape the driver builds (insertedCount and writeErrors from the bulk result)', () => {
    expect(driverBulk.MongoBulkWriteError).toBe(MongoBulkWriteError);
    const error = stoppedAt(2);
    expect(error.name).toBe('MongoBulkWriteError');
    expect(error.code).toBe(11000);
    expect(error.insertedCount).toBe(2);
    expect(Array.isArray(error.writeErrors) && error.writeErrors[0].index).toBe(2);
  });

  it('accepts writeErrors as a single error, as the driver types allow', () => {
    const error = stoppedAt(1);
    error.writeErrors = (error.writeErrors as WriteError[])[0];
    expect(writtenBeforeDuplicateKey(error)).toBe(1);
  });

  it('is undefined for a write error other than a duplicate key', () => {
    expect(writtenBeforeDuplicateKey(stoppedAt(1, { code: 121 }))).toBeUndefined(); // document validation
  });

  it('is undefined when a write concern error says the prefix may not be durable', () => {
    const writeConcernErrors = [new WriteConcernErrorOf({ code: 64, errmsg: 'waiting for replication timed out' })];
    expect(writtenBeforeDuplicateKey(stoppedAt(1, { writeConcernErrors }))).toBeUndefined();
  });

  it('is undefined for a write concern error alone', () => {
    const docs = ops(2);
    const concern = new WriteConcernErrorOf({ code: 64, errmsg: 'waiting for replication timed out' });
    const bulk = bulkResult({ ids: docs, nInserted: 2, writeConcernErrors: [concern] });
    expect(writtenBeforeDuplicateKey(new MongoBulkWriteError(concern, new BulkWriteResultOf(bulk, true)))).toBeUndefined();
  });

  it('is undefined for a network failure during the insert', () => {
    const docs = ops(3);
    const bulk = bulkResult({ ids: docs, nInserted: 0 });
    const error = new MongoBulkWriteError(new MongoNetworkError('connection 3 to 127.0.0.1:27017 closed'), new BulkWriteResultOf(bulk, true));
    expect(writtenBeforeDuplicateKey(error)).toBeUndefined();
  });

  it('is undefined for errors that are not bulk write errors, even with code 11000', () => {
    expect(writtenBeforeDuplicateKey(new MongoServerError({ message: 'E11000 duplicate key error', code: 11000 }))).toBeUndefined();
    expect(writtenBeforeDuplicateKey(new Error('boom'))).toBeUndefined();
    expect(writtenBeforeDuplicateKey('E11000')).toBeUndefined();
    expect(writtenBeforeDuplicateKey(undefined)).toBeUndefined();
  });

  it('refuses to guess when the count written disagrees with where the insert stopped', () => {
    const error = stoppedAt(2, { nInserted: 1 });
    expect(() => writtenBeforeDuplicateKey(error)).toThrow('MongoDB ordered insert stopped at document 2 but reports 1 written');
    try {
      writtenBeforeDuplicateKey(error);
    } catch (thrown) {
      expect((thrown as Error).cause).toBe(error);
    }
  });
});
