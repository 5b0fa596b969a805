import type { MongoBulkWriteError, WriteError } from 'mongodb';

/*
 * Server codes for a document the server will never accept, whatever the
 * retry: 2 BadValue, 121 DocumentValidationFailure (a collection validator an
 * operator added), 10334 BSONObjectTooLarge, 17280 KeyTooLong.
 */
const INVALID_DOCUMENT = new Set([2, 121, 10334, 17280]);

/** Driver-side refusals while encoding a document (the same ones, caught before sending). */
const INVALID_ON_ENCODE = new Set(['BSONError', 'BSONVersionError']);

/**
 * Why MongoDB refused a document as invalid, or undefined when the error is
 * anything else (a collision, an outage, a timeout), which the caller handles
 * on its own terms. Recognised by name, like the duplicate key error: a second
 * copy of the driver would make `instanceof` silently false.
 */
export function invalidDocumentReason(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (INVALID_ON_ENCODE.has(error.name)) return error.message;
  if (error.name === 'MongoBulkWriteError') {
    const raw = (error as MongoBulkWriteError).writeErrors;
    const first: WriteError | undefined = Array.isArray(raw) ? raw[0] : raw;
    if (first && INVALID_DOCUMENT.has(first.code)) return first.errmsg ?? `code ${first.code}`;
    return undefined;
  }
  const code = (error as { code?: unknown }).code;
  if (error.name === 'MongoServerError' && typeof code === 'number' && INVALID_DOCUMENT.has(code)) return error.message;
  return undefined;
}
