import { sql } from 'kysely';
import type { Day } from '../domain/day.js';
import type { ChatDayStats } from '../domain/models.js';
import type { WindowActivity } from '../reporting/port.js';
import type { RelationalOrm } from './orm.js';
import type { DailyStatsRepository } from './ports.js';
import { toDate, type Tables } from './tables.js';

export class SqlDailyStatsRepository implements DailyStatsRepository {
  constructor(private readonly orm: RelationalOrm) {}

  async replaceDay(day: Day, activity: WindowActivity): Promise<void> {
    const { chats } = activity;
    await this.orm.em.fork().transactional(async (em) => {
      // Bound to the transaction: Kysely from a transactional EntityManager runs inside it.
      const db = em.getKysely<Tables>();
      // Two runs of one day (a manual trigger beside the scheduled one) take turns
      // instead of failing on each other's freshly inserted keys.
      await sql`select pg_advisory_xact_lock(hashtext(${`parley.daily_stats.${day}`}))`.execute(db);
      await db.deleteFrom('chat_daily_stats').where('day', '=', day).execute();
      await db.deleteFrom('daily_activity').where('day', '=', day).execute();
      if (chats.length > 0) {
        // Arrays rather than a VALUES list: one statement whatever the number of chats, no parameter limit.
        await sql`
          insert into chat_daily_stats (chat_id, day, messages, senders, first_at, last_at)
          select v.chat_id, ${day}::date, v.messages, v.senders, v.first_at, v.last_at
            from unnest(${chats.map((c) => c.chatId)}::uuid[], ${chats.map((c) => c.messages)}::int[],
                        ${chats.map((c) => c.senders)}::int[], ${chats.map((c) => c.firstAt.toISOString())}::timestamptz[],
                        ${chats.map((c) => c.lastAt.toISOString())}::timestamptz[])
                 as v(chat_id, messages, senders, first_at, last_at)`.execute(db);
      }
      await db.insertInto('daily_activity').values({ day, active_users: activity.activeUsers, active_chats: chats.length }).execute();
    });
  }

  async forChat(chatId: string, from: Day, to: Day): Promise<ChatDayStats[]> {
    const rows = await this.orm.em
      .fork()
      .getKysely<Tables>()
      .selectFrom('chat_daily_stats')
      .select([sql<string>`day::text`.as('day'), 'messages', 'senders', 'first_at', 'last_at'])
      .where('chat_id', '=', chatId)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .orderBy('day')
      .execute();
    return rows.map((row) => ({
      day: row.day,
      messages: row.messages,
      senders: row.senders,
      firstMessageAt: toDate(row.first_at),
      lastMessageAt: toDate(row.last_at),
    }));
  }
}
