import { ForeignKeyConstraintViolationException, UniqueConstraintViolationException } from '@mikro-orm/core';

/**
 * SQLSTATE of a driver error (pg and PGlite both set `code`), looking through
 * wrappers that keep the driver's error as `cause`.
 */
export function sqlState(error: unknown): string | undefined {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export type SqlRefusal = 'conflict' | 'missing-reference' | 'invalid-data';

/**
 * What a failed write says about the data, or undefined for anything else
 * (an outage, a timeout, a bug), which callers treat as transient.
 *
 * - 23505 unique_violation: another row holds the key; 40P01 deadlock_detected
 *   and 40001 serialization_failure: a concurrent writer won. A retry settles
 *   all three.
 * - 23503 foreign_key_violation: the chat or sender does not exist.
 * - class 22 data_exception (22021 a NUL or invalid UTF-8 in text, 22P05
 *   untranslatable character, 22001 too long, …), 23502 not_null_violation
 *   and 23514 check_violation: the row itself can never be stored.
 */
export function sqlRefusal(error: unknown): SqlRefusal | undefined {
  if (error instanceof UniqueConstraintViolationException) return 'conflict';
  if (error instanceof ForeignKeyConstraintViolationException) return 'missing-reference';
  const code = sqlState(error);
  if (code === undefined) return undefined;
  if (code === '23505' || code === '40P01' || code === '40001') return 'conflict';
  if (code === '23503') return 'missing-reference';
  if (code.startsWith('22') || code === '23502' || code === '23514') return 'invalid-data';
  return undefined;
}
