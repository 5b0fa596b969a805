import { parseArgs } from 'node:util';
import { DAY_MAX, DAY_MIN, parseDay, type Day } from '../domain/day.js';
import { errorMessage } from '../support/error-text.js';

/** A command line the job cannot run with; its message is the one line printed before exiting. */
export class UsageError extends Error {}

export function dayFromArgs(argv: string[]): Day {
  let date: string | undefined;
  try {
    ({ date } = parseArgs({ args: argv, options: { date: { type: 'string' } }, strict: true, allowPositionals: false }).values);
  } catch (error) {
    throw new UsageError(`${errorMessage(error)} (usage: --date YYYY-MM-DD)`);
  }
  if (date === undefined) throw new UsageError('--date YYYY-MM-DD is required: the UTC day to summarize');
  const day = parseDay(date);
  if (!day) throw new UsageError(`--date must be a calendar day from ${DAY_MIN} to ${DAY_MAX} written YYYY-MM-DD, got ${JSON.stringify(date)}`);
  return day;
}
