import { performance } from 'node:perf_hooks';
import { openReporting } from '../reporting/open-reporting.js';
import type { Reporting } from '../reporting/port.js';
import { SqlDailyStatsRepository } from '../relational/daily-stats-repository.js';
import { migrateRelational, openRelational, relationalOptionsOf, type RelationalOrm } from '../relational/orm.js';
import { oneLine } from '../support/error-text.js';
import { configOrExit } from '../support/process-lifecycle.js';
import { dayFromArgs, UsageError } from './chat-summary-args.js';
import { summarizeDay } from './chat-summary.js';

/**
 * `npm run job:chat-summary -- --date YYYY-MM-DD` (in the image:
 * `node server/dist/jobs/chat-summary-main.js --date …`), what the Airflow DAG
 * runs each night. Opens only the relational database and the reporting port:
 * no event log, bus or cache. Prints one line; exits 2 on a bad command line,
 * 1 when the day could not be summarized (nothing is half-written: the write
 * is one transaction).
 */
const LABEL = 'parley chat-summary';
const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

let day: string;
try {
  day = dayFromArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${LABEL}: ${error.message}`);
  process.exit(2);
}

// The job issues no tokens, so a production environment without JWT_SECRET is fine here.
const config = configOrExit(LABEL, process.env, { signsTokens: false });
let orm: RelationalOrm | undefined;
let reporting: Reporting | undefined;
try {
  const relational = relationalOptionsOf(config);
  orm = await openRelational(relational);
  // Like every Parley process: the job may be the first to meet a new release's database.
  const applied = await migrateRelational(orm, relational);
  if (applied.length > 0) console.log(`${LABEL}: applied migrations ${applied.join(', ')}`);
  reporting = await openReporting(config, orm);
  const started = performance.now();
  const summary = await summarizeDay({ reporting, dailyStats: new SqlDailyStatsRepository(orm) }, day);
  const ms = Math.round(performance.now() - started);
  console.log(
    `${LABEL}: ${summary.day}: ${count(summary.chats, 'chat')}, ${count(summary.messages, 'message')}, ` +
      `${count(summary.activeUsers, 'active user')} in ${ms} ms`,
  );
} catch (error) {
  console.error(`${LABEL}: ${day} failed: ${oneLine(error)}`);
  process.exitCode = 1;
} finally {
  await reporting?.close().catch(() => undefined);
  await orm?.close().catch(() => undefined);
}
// Exit even if a driver left a timer behind: Airflow waits on this process.
process.exit();
