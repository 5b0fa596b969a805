import { sql, type Kysely } from 'kysely';
import type { RelationalOrm } from '../relational/orm.js';
import { toDate, type Tables } from '../relational/tables.js';
import type { Reporting, TimeWindow, WindowActivity } from './port.js';

/** Reports over the `messages` table of the relational database (the SQL message store's). */
export class SqlReporting implements Reporting {
  constructor(private readonly orm: RelationalOrm) {}

  private db(): Kysely<Tables> {
    return this.orm.em.fork().getKysely<Tables>();
  }

  /**
   * One statement: `grouping sets ((chat_id), ())` yields a row per chat plus a
   * total row (chat_id null) whose distinct-sender count spans every chat, and
   * which exists even for an empty window.
   */
  async activity(window: TimeWindow): Promise<WindowActivity> {
    const rows = await this.db()
      .selectFrom('messages')
      .select([
        'chat_id',
        sql<number>`grouping(chat_id)`.as('total'),
        sql<number>`count(*)::int`.as('messages'),
        sql<number>`count(distinct sender_id)::int`.as('senders'),
        sql<Date | string>`min(created_at)`.as('first_at'),
        sql<Date | string>`max(created_at)`.as('last_at'),
      ])
      .where('created_at', '>=', window.from)
      .where('created_at', '<', window.to)
      // System messages are not sent by anyone: a day's figures count text messages.
      .where('kind', '=', 'TEXT')
      .groupBy(sql`grouping sets ((chat_id), ())`)
      .orderBy('chat_id')
      .execute();
    const chats = rows
      .filter((row) => Number(row.total) === 0)
      .map((row) => ({
        chatId: row.chat_id,
        messages: Number(row.messages),
        senders: Number(row.senders),
        firstAt: toDate(row.first_at),
        lastAt: toDate(row.last_at),
      }));
    const total = rows.find((row) => Number(row.total) === 1);
    return { chats, activeUsers: Number(total?.senders ?? 0) };
  }

  async close(): Promise<void> {
    // The relational database owns the connection; it is closed with the ORM.
  }
}
