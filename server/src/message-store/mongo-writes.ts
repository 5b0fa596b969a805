import type { Collection, IndexDescription, WriteConcernSettings } from 'mongodb';
import { writtenBeforeDuplicateKey } from './mongo-duplicate-key.js';
import { invalidDocumentReason } from './mongo-invalid-document.js';
import type { MessageDocument } from './mongo-message-document.js';
import { InvalidMessageError } from './port.js';

/**
 * Acknowledged only once a majority of the replica set has the write in its
 * journal. The persister commits the Kafka offset after the store says
 * written; with the default write concern a mongod crash could then lose
 * those messages and hand their seqs to later ones.
 */
export const MESSAGE_WRITE_CONCERN: WriteConcernSettings = { w: 'majority', journal: true };

/** The subset of a collection the writes use, so they can be checked without a server. */
export type MessageCollection = Pick<Collection<MessageDocument>, 'insertMany' | 'createIndexes' | 'dropIndex'>;

/**
 * Ordered, so MongoDB stops at the first collision and everything before it
 * is written: returns that prefix's length. A document MongoDB refuses as
 * invalid throws InvalidMessageError (a prefix may be written; callers re-read).
 */
export async function insertOrdered(collection: MessageCollection, documents: MessageDocument[]): Promise<number> {
  if (documents.length === 0) return 0;
  try {
    const result = await collection.insertMany(documents, { ordered: true, writeConcern: MESSAGE_WRITE_CONCERN });
    return result.insertedCount;
  } catch (error) {
    const written = writtenBeforeDuplicateKey(error);
    if (written !== undefined) return written;
    const invalid = invalidDocumentReason(error);
    if (invalid !== undefined) throw new InvalidMessageError(invalid, { cause: error });
    throw error;
  }
}

/** MongoDB's IndexNotFound: dropping an index that is not there. */
const INDEX_NOT_FOUND = 27;

/**
 * Creates the indexes under their names, then drops retired ones. Idempotent,
 * so every start runs it. The new indexes come first: a key is never without
 * its unique index. Index builds on a large collection outlast any operation
 * bound, so this one runs unbounded (`timeoutMS: 0`); the ping before it has
 * already shown that MongoDB answers.
 */
export async function ensureMessageIndexes(
  collection: MessageCollection,
  indexes: IndexDescription[],
  retired: readonly string[],
): Promise<void> {
  await collection.createIndexes(indexes, { timeoutMS: 0 });
  for (const name of retired) {
    try {
      await collection.dropIndex(name, { timeoutMS: 0 });
    } catch (error) {
      if ((error as { code?: unknown }).code !== INDEX_NOT_FOUND) throw error;
    }
  }
}
