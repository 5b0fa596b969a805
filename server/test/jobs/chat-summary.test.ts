import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeDay, type SummaryEngines } from '../../src/jobs/chat-summary.js';
import { SqlReporting } from '../../src/reporting/sql-reporting.js';
import { SqlDailyStatsRepository } from '../../src/relational/daily-stats-repository.js';
import { migrate, openRelational, type RelationalOrm } from '../../src/relational/orm.js';
import type { Tables } from '../../src/relational/tables.js';
import { SeededHistory } from '../support/seeded-history.js';
import { relationalTargets } from '../support/targets.js';

// 14 hours ahead of UTC: code that read a day or an instant in local time would land on another day.
process.env.TZ = 'Pacific/Kiritimati';

const D = '2026-03-14';
const BEFORE = '2026-03-13';
const AFTER = '2026-03-15';
const QUIET = '2026-03-20';

describe.each(relationalTargets)('chat summary job on $name', (target) => {
  let storage: Awaited<ReturnType<typeof target.provision>>;
  let orm: RelationalOrm;
  let seeded: SeededHistory;
  let engines: SummaryEngines;
  let ada: string, bob: string, cy: string, dan: string, eve: string;
  let groupA: string, pairB: string, groupC: string;

  /** What the job wrote for a day, as plain values, chats ordered by id. */
  async function written(day: string) {
    const db = orm.em.fork().getKysely<Tables>();
    const chats = await db
      .selectFrom('chat_daily_stats')
      .select(['chat_id', 'messages', 'senders', sql<string>`to_char(first_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`.as('first_at'), sql<string>`to_char(last_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`.as('last_at')])
      .where('day', '=', day)
      .orderBy('chat_id')
      .execute();
    const activity = await db.selectFrom('daily_activity').select(['active_users', 'active_chats']).where('day', '=', day).execute();
    return { chats, activity };
  }

  const row = (chat_id: string, messages: number, senders: number, first_at: string, last_at: string) => ({ chat_id, messages, senders, first_at, last_at });
  const byChat = <T extends { chat_id: string }>(rows: T[]) => [...rows].sort((a, b) => (a.chat_id < b.chat_id ? -1 : 1));

  beforeAll(async () => {
    storage = await target.provision();
    orm = await openRelational(storage);
    await migrate(orm);
    seeded = new SeededHistory(orm);
    engines = { reporting: new SqlReporting(orm), dailyStats: new SqlDailyStatsRepository(orm) };
    [ada, bob, cy, dan, eve] = await Promise.all([1, 2, 3, 4, 5].map(() => seeded.user()));
    [groupA, pairB, groupC] = await Promise.all([seeded.group([ada, bob, cy]), seeded.group([ada, bob]), seeded.group([dan, eve])]);
    await seeded.group([ada, eve]); // a chat that never has a message: never in any summary
    await seeded.messages(groupA, [
      [ada, '2026-03-14T00:00:00.000Z'],
      [bob, '2026-03-14T09:15:00.000Z'],
      [ada, '2026-03-14T12:00:00.000Z'],
      [cy, '2026-03-14T23:59:59.999Z'],
    ]);
    await seeded.messages(pairB, [
      [ada, '2026-03-13T23:59:59.999Z'],
      [bob, '2026-03-14T10:00:00.000Z'],
      [bob, '2026-03-14T10:01:00.000Z'],
      [ada, '2026-03-15T00:00:00.000Z'],
    ]);
    await seeded.messages(groupC, [
      [dan, '2026-03-15T00:00:00.001Z'],
      [eve, '2026-03-15T05:00:00.000Z'],
      [dan, '2026-03-15T23:00:00.000Z'],
    ]);
  });

  afterAll(async () => {
    await orm?.close();
    await storage?.dispose();
  });

  it('records each chat of the day and the day’s active users and chats', async () => {
    expect(await summarizeDay(engines, D)).toEqual({ day: D, chats: 2, messages: 6, activeUsers: 3 });
    expect(await written(D)).toEqual({
      chats: byChat([
        row(groupA, 4, 3, '2026-03-14T00:00:00.000Z', '2026-03-14T23:59:59.999Z'),
        row(pairB, 2, 1, '2026-03-14T10:00:00.000Z', '2026-03-14T10:01:00.000Z'),
      ]),
      // Ada and Bob wrote in both chats: active users are people, not per-chat sums (3 + 1).
      activity: [{ active_users: 3, active_chats: 2 }],
    });
  });

  it('puts 23:59:59.999Z before midnight UTC and 00:00:00.000Z after it', async () => {
    expect(await summarizeDay(engines, BEFORE)).toEqual({ day: BEFORE, chats: 1, messages: 1, activeUsers: 1 });
    expect(await written(BEFORE)).toEqual({
      chats: [row(pairB, 1, 1, '2026-03-13T23:59:59.999Z', '2026-03-13T23:59:59.999Z')],
      activity: [{ active_users: 1, active_chats: 1 }],
    });
    expect(await summarizeDay(engines, AFTER)).toEqual({ day: AFTER, chats: 2, messages: 4, activeUsers: 3 });
    expect(await written(AFTER)).toEqual({
      chats: byChat([
        row(pairB, 1, 1, '2026-03-15T00:00:00.000Z', '2026-03-15T00:00:00.000Z'),
        row(groupC, 3, 2, '2026-03-15T00:00:00.001Z', '2026-03-15T23:00:00.000Z'),
      ]),
      activity: [{ active_users: 3, active_chats: 2 }],
    });
  });

  it('leaves exactly the same rows when a day is summarized again', async () => {
    await summarizeDay(engines, D);
    const first = await written(D);
    expect(await summarizeDay(engines, D)).toEqual({ day: D, chats: 2, messages: 6, activeUsers: 3 });
    expect(await written(D)).toEqual(first);
  });

  it('lets two runs of one day at once (a manual trigger beside the schedule) both succeed', async () => {
    await summarizeDay(engines, D);
    const first = await written(D);
    const runs = await Promise.all([summarizeDay(engines, D), summarizeDay(engines, D), summarizeDay(engines, D)]);
    expect(runs.map((r) => r.messages)).toEqual([6, 6, 6]);
    expect(await written(D)).toEqual(first);
  });

  it('writes no chat rows for a day without messages, a daily_activity row of zeros, and succeeds', async () => {
    // Rows from an earlier run must go too: the day's stored messages are the whole truth.
    await engines.dailyStats.replaceDay(QUIET, {
      chats: [{ chatId: groupA, messages: 9, senders: 9, firstAt: new Date(`${QUIET}T01:00:00Z`), lastAt: new Date(`${QUIET}T02:00:00Z`) }],
      activeUsers: 9,
    });
    expect(await summarizeDay(engines, QUIET)).toEqual({ day: QUIET, chats: 0, messages: 0, activeUsers: 0 });
    expect(await written(QUIET)).toEqual({ chats: [], activity: [{ active_users: 0, active_chats: 0 }] });
  });

  // Last: it changes the seeded history.
  it('replaces the day’s rows after the data changed, and leaves other days alone', async () => {
    const afterBefore = await written(AFTER);
    // Pair B's messages of the day disappear and Eve writes in group C: an upsert would keep B's row.
    await orm.em
      .fork()
      .getKysely<Tables>()
      .deleteFrom('messages')
      .where('chat_id', '=', pairB)
      .where('created_at', '>=', new Date(`${D}T00:00:00Z`))
      .where('created_at', '<', new Date(`${AFTER}T00:00:00Z`))
      .execute();
    await seeded.messages(groupC, [[eve, '2026-03-14T13:00:00.000Z']]);

    expect(await summarizeDay(engines, D)).toEqual({ day: D, chats: 2, messages: 5, activeUsers: 4 });
    expect(await written(D)).toEqual({
      chats: byChat([
        row(groupA, 4, 3, '2026-03-14T00:00:00.000Z', '2026-03-14T23:59:59.999Z'),
        row(groupC, 1, 1, '2026-03-14T13:00:00.000Z', '2026-03-14T13:00:00.000Z'),
      ]),
      activity: [{ active_users: 4, active_chats: 2 }],
    });
    expect(await written(AFTER)).toEqual(afterBefore);
  });
});
