import type { MongoBulkWriteError, WriteError } from 'mongodb';

/** MongoDB's duplicate key error, for `_id` and every unique index alike. */
export const DUPLICATE_KEY = 11000;

/*
 * Recognised by name rather than `instanceof`: the driver is a dependency of
 * @mikro-orm/mongodb, and a second copy of it in node_modules would make
 * `instanceof` silently false and turn every collision into a failure.
 */
const isBulkWriteError = (error: unknown): error is MongoBulkWriteError =>
  error instanceof Error && error.name === 'MongoBulkWriteError';

/**
 * How many documents an ordered insertMany wrote before a duplicate key
 * stopped it; undefined when the error is anything else, which the caller
 * rethrows. An ordered insert stops at its first write error, so every
 * document before that error's index was written and none after it.
 *
 * A write concern error alongside the collision also yields undefined: the
 * prefix is on the primary but not known to be durable, so it must not be
 * reported (and published) as stored. The caller's retry re-reads by id.
 */
export function writtenBeforeDuplicateKey(error: unknown): number | undefined {
  if (!isBulkWriteError(error)) return undefined;
  const writeErrors: WriteError[] = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  const first = writeErrors[0];
  if (first?.code !== DUPLICATE_KEY) return undefined;
  if (error.result?.getWriteConcernError()) return undefined;
  if (error.insertedCount !== first.index) {
    // Never guess a prefix: a wrong count leaves a seq hole or reports an unwritten message as stored.
    throw new Error(
      `MongoDB ordered insert stopped at document ${first.index} but reports ${error.insertedCount} written`,
      { cause: error },
    );
  }
  return first.index;
}
