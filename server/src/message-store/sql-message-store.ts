import { sql, type Kysely } from 'kysely';
import type { Message } from '../domain/models.js';
import type { RelationalOrm } from '../relational/orm.js';
import { toDate, type MessagesTable, type Tables } from '../relational/tables.js';
import { errorMessage } from '../support/logger.js';
import {
  InvalidMessageError,
  MissingReferenceError,
  type Appended,
  type MessageStore,
  type NewMessage,
  type SeqRange,
  type TimeWindow,
  type WindowActivity,
} from './port.js';
import { sqlRefusal } from '../relational/sql-state.js';

const toMessage = (row: MessagesTable): Message => ({
  id: row.id,
  chatId: row.chat_id,
  seq: row.seq,
  senderId: row.sender_id,
  body: row.body,
  clientId: row.client_id,
  createdAt: toDate(row.created_at),
});

/** Turns the driver's refusal of a write into the port's errors; anything else is rethrown as it is. */
function refused(error: unknown): never {
  switch (sqlRefusal(error)) {
    case 'missing-reference':
      throw new MissingReferenceError({ cause: error });
    case 'invalid-data':
      throw new InvalidMessageError(errorMessage(error), { cause: error });
    default:
      throw error;
  }
}

/** The embedded message store: a `messages` table in the relational database. */
export class SqlMessageStore implements MessageStore {
  /** The messages table's foreign keys to chats and users. */
  readonly checksReferences = true;
  /** The append statement updates the chat row it locks, and the senders' read positions. */
  readonly recordsActivity = true;

  constructor(private readonly orm: RelationalOrm) {}

  private db(): Kysely<Tables> {
    return this.orm.em.fork().getKysely<Tables>();
  }

  /**
   * One statement, so all or nothing, and one round trip. The chat row is the
   * per-chat lock and counter: each chat's row is locked (in id order, so two
   * writers never deadlock on each other's chats), its messages numbered
   * after its `last_seq`, inserted, and `last_seq` / `last_message_id` /
   * `updated_at` set in the same statement, with each sender's read position
   * (their own messages count as read): one commit per batch, so one flush in
   * embedded durable mode. Member rows are only touched under their chat's
   * lock, so they add no deadlock either. A concurrent writer of the chat
   * waits for the lock and then reads the committed `last_seq` (PostgreSQL
   * re-reads a locked row after the wait, while the rest of the statement keeps
   * its snapshot): seqs never collide, and a chat's summary is never behind its
   * messages. `max(seq)` is read too, for rows stored before this statement
   * kept `last_seq` (one index probe per chat).
   *
   * Messages already stored under their id or client key are skipped and come
   * back as `existing`; messages of chats that do not exist are skipped and
   * come back in neither list. The only collision left is a duplicate stored
   * by another writer after this statement's snapshot: nothing is written, and
   * a retry finds it.
   *
   * The statement is the function `parley_append_messages`, created by
   * migrations/Migration20261203000000_append_messages_function.ts: as a
   * plain statement it was parsed and planned again for every batch, which
   * cost more than running it.
   */
  async append(messages: readonly NewMessage[]): Promise<Appended> {
    if (messages.length === 0) return { written: [], existing: [] };
    const column = <K extends keyof NewMessage>(key: K) => messages.map((m) => m[key]);
    let rows: (MessagesTable & { kind: 'written' | 'existing' })[];
    try {
      // The statement lives in the database (migration 20261203000000): planned once per connection, not per batch.
      ({ rows } = await sql<MessagesTable & { kind: 'written' | 'existing' }>`
        select * from parley_append_messages(
          ${column('id')}::uuid[], ${column('chatId')}::uuid[], ${column('senderId')}::uuid[],
          ${column('body')}::text[], ${column('clientId')}::text[],
          ${messages.map((m) => m.createdAt.toISOString())}::timestamptz[])`.execute(this.db()));
    } catch (error) {
      if (sqlRefusal(error) === 'conflict') return { written: [], existing: [], collision: errorMessage(error) };
      refused(error);
    }
    const written = rows.filter((r) => r.kind === 'written').map(toMessage);
    const existing = rows.filter((r) => r.kind === 'existing').map(toMessage);
    return { written, existing };
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
      if (sqlRefusal(error) === 'conflict') return 0;
      refused(error);
    }
  }

  async findByIds(ids: readonly string[]): Promise<Message[]> {
    if (ids.length === 0) return [];
    const rows = await this.db().selectFrom('messages').selectAll().where('id', 'in', [...ids]).execute();
    return rows.map(toMessage);
  }

  /** One index probe per chat (max over the (chat_id, seq) key), not a scan of every message of each chat. */
  async maxSeqs(chatIds: readonly string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>(chatIds.map((id) => [id, 0]));
    if (chatIds.length === 0) return result;
    const { rows } = await sql<{ chat_id: string; max_seq: number | null }>`
      select c.chat_id, (select max(m.seq) from messages m where m.chat_id = c.chat_id) as max_seq
        from unnest(${[...new Set(chatIds)]}::uuid[]) as c(chat_id)`.execute(this.db());
    for (const row of rows) if (row.max_seq !== null) result.set(row.chat_id, Number(row.max_seq));
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
