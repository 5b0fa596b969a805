import { sql, type Kysely } from 'kysely';
import type { Message } from '../domain/models.js';
import type { RelationalOrm } from '../relational/orm.js';
import type { MessagesTable, Tables } from '../relational/tables.js';
import { errorMessage } from '../support/error-text.js';
import {
  InvalidMessageError,
  MissingReferenceError,
  type Appended,
  type BodyPosition,
  type ChangeOutcome,
  type MessageChange,
  type MessageStore,
  type NewMessage,
  type SearchHit,
  type SearchPosition,
  type SearchTerms,
  type SeqRange,
  type StoredBody,
} from './port.js';
import { sqlRefusal } from '../relational/sql-state.js';
import { COLUMNS, toMessage, toRow } from './sql-message-row.js';

type AppendRow = MessagesTable & { outcome: 'written' | 'existing' };

/** Matches a search ranks at most (see search): enough that what people look for is among them. */
export const SEARCH_CANDIDATES = 500;

const COLUMN_LIST = sql.join(COLUMNS.map((c) => sql.ref(`m.${c}`)));

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
   * kept `last_seq` (one index probe per chat). A chat's events are never
   * fewer than its messages, and every writer of events keeps `last_event_seq`
   * (insertMany included), so that counter needs no probe.
   *
   * Messages already stored under their id or client key are skipped and come
   * back as `existing`; messages of chats that do not exist are skipped and
   * come back in neither list. The only collision left is a duplicate stored
   * by another writer after this statement's snapshot: nothing is written, and
   * a retry finds it.
   *
   * The statement is the function `parley_append_messages` (its newest
   * definition is in migrations/Migration20261203010000_chat_events.ts): a
   * function is planned once per connection, where a plain statement this
   * size would be parsed and planned again for every batch, which costs more
   * than running it.
   */
  async append(messages: readonly NewMessage[]): Promise<Appended> {
    if (messages.length === 0) return { written: [], existing: [] };
    const column = <K extends keyof NewMessage>(key: K) => messages.map((m) => m[key]);
    let rows: AppendRow[];
    try {
      // The statement lives in the database (see the doc comment): planned once per connection, not per batch.
      ({ rows } = await sql<AppendRow>`
        select * from parley_append_messages(
          ${column('id')}::uuid[], ${column('chatId')}::uuid[], ${column('senderId')}::uuid[],
          ${column('body')}::text[], ${column('clientId')}::text[],
          ${messages.map((m) => m.createdAt.toISOString())}::timestamptz[],
          ${column('kind')}::text[], ${column('subjectId')}::uuid[], ${column('replyToId')}::uuid[])`.execute(this.db()));
    } catch (error) {
      if (sqlRefusal(error) === 'conflict') return { written: [], existing: [], collision: errorMessage(error) };
      refused(error);
    }
    const written = rows.filter((r) => r.outcome === 'written').map(toMessage);
    const existing = rows.filter((r) => r.outcome === 'existing').map(toMessage);
    return { written, existing };
  }

  /** One statement, so all or nothing: any collision writes no row and returns 0. Keeps the chats' event counters. */
  async insertMany(messages: readonly Message[]): Promise<number> {
    if (messages.length === 0) return 0;
    const rows = messages.map(toRow);
    try {
      // The chats' event counters follow in the same statement: appends and changes number on from them.
      await this.db()
        .with('inserted', (db) => db.insertInto('messages').values(rows).returning(['chat_id', 'changed_seq']))
        .updateTable('chats')
        .set({ last_event_seq: sql<number>`greatest(chats.last_event_seq, (select max(i.changed_seq) from inserted i where i.chat_id = chats.id))` })
        .where('id', 'in', (qb) => qb.selectFrom('inserted').select('chat_id'))
        .execute();
      return messages.length;
    } catch (error) {
      if (sqlRefusal(error) === 'conflict') return 0;
      refused(error);
    }
  }

  /**
   * One statement under the chat row's lock, like append: the change takes
   * the chat's next event seq only when it applies. The message row is found
   * by id within the chat, so a change can never reach another chat.
   */
  async change(change: MessageChange): Promise<ChangeOutcome> {
    const deleting = change.change === 'delete';
    const acceptedAt = change.acceptedAt.toISOString();
    let rows: (MessagesTable & { outcome: 'applied' | 'found'; is_current: boolean })[];
    try {
      ({ rows } = await sql<MessagesTable & { outcome: 'applied' | 'found'; is_current: boolean }>`
        with locked as materialized (
          select c.id, c.last_event_seq from chats c where c.id = ${change.chatId}::uuid for update
        ),
        applied as (
          update messages m
             set body = ${deleting ? '' : change.body}::text,
                 edited_at = case when ${deleting} then m.edited_at else ${acceptedAt}::timestamptz end,
                 deleted_at = case when ${deleting} then ${acceptedAt}::timestamptz else null end,
                 changed_seq = l.last_event_seq + 1, changed_at = ${acceptedAt}::timestamptz, change_id = ${change.changeId}::uuid
            from locked l
           where m.chat_id = l.id and m.id = ${change.messageId}::uuid
             and m.deleted_at is null and (${deleting} or m.kind = 'TEXT')
             -- A deletion is final whenever it comes; edits apply in acceptance order, ordered only
             -- among changes (the message was stored before the change was accepted, whatever the clocks say).
             and (${deleting} or m.change_id is null or (m.changed_at, m.change_id) < (${acceptedAt}::timestamptz, ${change.changeId}::uuid))
          returning ${COLUMN_LIST}
        ),
        bumped as (
          update chats c set last_event_seq = a.changed_seq from applied a where c.id = a.chat_id returning 1
        )
        select 'applied' as outcome, true as is_current, a.* from applied a
        union all
        select 'found' as outcome, m.change_id is not distinct from ${change.changeId}::uuid as is_current, ${COLUMN_LIST} from messages m
         where m.chat_id = ${change.chatId}::uuid and m.id = ${change.messageId}::uuid and not exists (select 1 from applied)`.execute(this.db()));
    } catch (error) {
      refused(error);
    }
    const [row] = rows;
    return { message: row ? toMessage(row) : null, applied: row?.outcome === 'applied', current: row?.is_current === true };
  }

  async changedAfter(chatId: string, afterEventSeq: number, limit: number): Promise<Message[]> {
    const rows = await this.db()
      .selectFrom('messages')
      .select(COLUMNS)
      .where('chat_id', '=', chatId)
      .where('changed_seq', '>', afterEventSeq)
      .orderBy('changed_seq')
      .limit(limit)
      .execute();
    return rows.map(toMessage);
  }

  async textSeqAt(chatId: string, seq: number): Promise<number> {
    const row = await this.db()
      .selectFrom('messages')
      .select('text_seq')
      .where('chat_id', '=', chatId)
      .where('seq', '<=', seq)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.text_seq ?? 0;
  }

  async findByIds(ids: readonly string[]): Promise<Message[]> {
    if (ids.length === 0) return [];
    const rows = await this.db().selectFrom('messages').select(COLUMNS).where('id', 'in', [...ids]).execute();
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
    let query = this.db().selectFrom('messages').select(COLUMNS).where('chat_id', '=', chatId);
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
   * One statement. plainto_tsquery parses the query with the parser that
   * made the index's words, so what was indexed as one word (an address, a
   * hyphenated word) is looked for as one; the last word also matches as a
   * prefix. The query is written inline (not in a CTE) so the planner sees
   * its words and their frequencies.
   *
   * Ranking reads every candidate, so the candidates are bounded: each chat's
   * newest SEARCH_CANDIDATES matches, of which the newest SEARCH_CANDIDATES
   * overall. Per chat the planner picks the search index (a rare word: its
   * few matches) or walks the chat backwards by seq until it has enough (a
   * common word: they come quickly), so a search costs about the same
   * whatever the words. A word in every other message is thus ranked among
   * its newest matches, not all of them.
   */
  async search(chatIds: readonly string[], terms: SearchTerms, limit: number, after: SearchPosition | null): Promise<SearchHit[]> {
    if (chatIds.length === 0) return [];
    const prefix = terms.prefix && sql`to_tsquery('simple'::regconfig, ${`'${terms.prefix.word}':*`})`;
    // The query as typed, or with its last word completed: "ada@example.com" stays one word, "hel" finds "hello".
    // Without a word before the prefix, plainto_tsquery would be empty (and PostgreSQL says so in a notice).
    const completed =
      prefix === null ? sql`` : terms.words.length > 1 ? sql` || (plainto_tsquery('simple'::regconfig, ${terms.prefix!.before}) && ${prefix})` : sql` || ${prefix}`;
    const query = sql`(plainto_tsquery('simple'::regconfig, ${terms.text})${completed})`;
    const page = after === null ? sql`` : sql`where (h.rank, h.created_at, h.id) < (${after.rank}::real, ${after.createdAt.toISOString()}::timestamptz, ${after.id}::uuid)`;
    const { rows } = await sql<MessagesTable & { rank: number }>`
      with candidates as (
        select ${COLUMN_LIST}, m.search
          from unnest(${[...new Set(chatIds)]}::uuid[]) as c(id)
          cross join lateral (
            select ${COLUMN_LIST}, m.search from messages m
             where m.chat_id = c.id and m.search @@ ${query}
             order by m.seq desc limit ${SEARCH_CANDIDATES}
          ) m
         order by m.created_at desc, m.id desc
         limit ${SEARCH_CANDIDATES}
      ),
      hits as (select ${COLUMN_LIST}, ts_rank(m.search, ${query}) as rank from candidates m)
      select * from hits h ${page}
       order by h.rank desc, h.created_at desc, h.id desc
       limit ${limit}`.execute(this.db());
    return rows.map((row) => ({ message: toMessage(row), rank: Number(row.rank) }));
  }

  /** Keyset pages over the (chat_id, seq) unique index. */
  async bodies(after: BodyPosition | null, limit: number): Promise<StoredBody[]> {
    let query = this.db().selectFrom('messages').select(['id', 'chat_id', 'seq', 'body']);
    if (after !== null) query = query.where(sql<boolean>`(chat_id, seq) > (${after.chatId}::uuid, ${after.seq}::int)`);
    const rows = await query.orderBy('chat_id').orderBy('seq').limit(limit).execute();
    return rows.map((row) => ({ id: row.id, chatId: row.chat_id, seq: row.seq, body: row.body }));
  }

  /** One row by its key, only while its body is the one read: a concurrent change wins (row locks order the two). */
  async replaceBody(stored: StoredBody, body: string): Promise<boolean> {
    try {
      const result = await this.db()
        .updateTable('messages')
        .set({ body })
        .where('chat_id', '=', stored.chatId)
        .where('id', '=', stored.id)
        .where('body', '=', stored.body)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    } catch (error) {
      refused(error);
    }
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db());
  }

  async close(): Promise<void> {
    // The relational database owns the connection; it is closed with the ORM.
  }
}
