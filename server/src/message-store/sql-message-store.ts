import { ForeignKeyConstraintViolationException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { sql, type Kysely } from 'kysely';
import type { Message } from '../domain/models.js';
import type { RelationalOrm } from '../relational/orm.js';
import { toDate, type MessagesTable, type Tables } from '../relational/tables.js';
import { MissingReferenceError, type MessageStore, type SeqRange, type TimeWindow, type WindowActivity } from './port.js';

const toMessage = (row: MessagesTable): Message => ({
  id: row.id,
  chatId: row.chat_id,
  seq: row.seq,
  senderId: row.sender_id,
  body: row.body,
  clientId: row.client_id,
  createdAt: toDate(row.created_at),
});

/** Kysely hands back the driver's error: SQLSTATE 23505 is unique_violation, 23503 foreign_key_violation. */
const hasCode = (error: unknown, code: string): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;

/** The embedded message store: a `messages` table in the relational database. */
export class SqlMessageStore implements MessageStore {
  /** The messages table's foreign keys to chats and users. */
  readonly checksReferences = true;

  constructor(private readonly orm: RelationalOrm) {}

  private db(): Kysely<Tables> {
    return this.orm.em.fork().getKysely<Tables>();
  }

  /** One statement, so all or nothing: any collision writes no row and returns 0. */
  async insertMany(messages: readonly Message[]): Promise<number> {
    if (messages.length === 0) return 0;
    const rows = messages.map((m) => ({
      id: m.id,
      chat_id: m.chatId,
      seq: m.seq,
      sender_id: m.senderId,
      body: m.body,
      client_id: m.clientId,
      created_at: m.createdAt,
    }));
    try {
      await this.db().insertInto('messages').values(rows).execute();
      return messages.length;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException || hasCode(error, '23505')) return 0;
      if (error instanceof ForeignKeyConstraintViolationException || hasCode(error, '23503')) throw new MissingReferenceError({ cause: error });
      throw error;
    }
  }

  async findByIds(ids: readonly string[]): Promise<Message[]> {
    if (ids.length === 0) return [];
    const rows = await this.db().selectFrom('messages').selectAll().where('id', 'in', [...ids]).execute();
    return rows.map(toMessage);
  }

  async maxSeqs(chatIds: readonly string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>(chatIds.map((id) => [id, 0]));
    if (chatIds.length === 0) return result;
    const rows = await this.db()
      .selectFrom('messages')
      .select(['chat_id', sql<number>`max(seq)`.as('max_seq')])
      .where('chat_id', 'in', [...chatIds])
      .groupBy('chat_id')
      .execute();
    for (const row of rows) result.set(row.chat_id, Number(row.max_seq));
    return result;
  }

  async range(chatId: string, range: SeqRange): Promise<Message[]> {
    let query = this.db().selectFrom('messages').selectAll().where('chat_id', '=', chatId);
    if (range.afterSeq !== undefined) query = query.where('seq', '>', range.afterSeq);
    if (range.beforeSeq !== undefined) query = query.where('seq', '<', range.beforeSeq);
    const rows = await query
      .orderBy('seq', range.from === 'oldest' ? 'asc' : 'desc')
      .limit(range.limit)
      .execute();
    if (range.from === 'newest') rows.reverse();
    return rows.map(toMessage);
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

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db());
  }

  async close(): Promise<void> {
    // The relational database owns the connection; it is closed with the ORM.
  }
}
