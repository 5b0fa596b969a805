import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { sql, type Kysely } from 'kysely';
import type { ChatPosition } from '../domain/cursor.js';
import { newId } from '../domain/ids.js';
import type { Chat, MemberChat, ReadState } from '../domain/models.js';
import { ChatEntity, MemberEntity } from './entities.js';
import type { RelationalOrm } from './orm.js';
import type { SendEnvelope } from '../event-log/port.js';
import type { ChatActivity, ChatRepository, GroupChange, LiveState, LockedGroup, NewChat, WatchedPair } from './ports.js';
import { conflictBackoffMs, sleep } from '../support/retry.js';
import { sqlRefusal } from './sql-state.js';
import { toDate, type ChatsTable, type Tables } from './tables.js';

const toChat = (row: ChatsTable): Chat => ({
  id: row.id,
  kind: row.kind,
  title: row.title,
  ownerId: row.owner_id,
  lastSeq: row.last_seq,
  lastMessageId: row.last_message_id,
  lastEventSeq: row.last_event_seq,
  textCount: row.text_count,
  readSeq: row.read_seq,
  createdAt: toDate(row.created_at),
  updatedAt: toDate(row.updated_at),
});

const toMemberChat = (row: ChatsTable & { last_read_seq: number; read_text_seq: number }): MemberChat => ({
  ...toChat(row),
  lastReadSeq: row.last_read_seq,
  readTextSeq: row.read_text_seq,
});

/** Tries of one activity statement that keeps losing deadlocks before the error goes up (the batch is retried). */
const ACTIVITY_ATTEMPTS = 5;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class SqlChatRepository implements ChatRepository {
  constructor(private readonly orm: RelationalOrm) {}

  private db(): Kysely<Tables> {
    return this.orm.em.fork().getKysely<Tables>();
  }

  async create(chat: NewChat): Promise<Chat> {
    const now = new Date();
    const id = newId();
    await this.orm.em.fork().transactional(async (em) => {
      em.create(ChatEntity, {
        id,
        kind: chat.kind,
        title: chat.title,
        directKey: chat.directKey,
        ownerId: chat.ownerId,
        lastSeq: 0,
        lastMessageId: null,
        lastEventSeq: 0,
        textCount: 0,
        readSeq: 0,
        createdAt: now,
        updatedAt: now,
      });
      // Entities carry plain ids, so the unit of work cannot order these inserts itself.
      await em.flush();
      for (const userId of chat.memberIds) {
        em.create(MemberEntity, { chatId: id, userId, lastReadSeq: 0, readTextSeq: 0, readSeqAt: 0, readAt: null, joinedAt: now });
      }
    });
    return { id, kind: chat.kind, title: chat.title, ownerId: chat.ownerId, lastSeq: 0, lastMessageId: null, lastEventSeq: 0, textCount: 0, readSeq: 0, createdAt: now, updatedAt: now };
  }

  async changeGroup(chatId: string, decide: (group: LockedGroup) => GroupChange): Promise<{ chat: Chat; change: GroupChange }> {
    return this.orm.em.fork().transactional(async (em) => {
      const db = em.getKysely<Tables>();
      const row = await db.selectFrom('chats').selectAll().where('id', '=', chatId).forUpdate().executeTakeFirst();
      if (!row) throw new Error(`chat ${chatId} does not exist`);
      const members = await db.selectFrom('members').select('user_id').where('chat_id', '=', chatId).orderBy('joined_at').orderBy('user_id').execute();
      const change = decide({ chat: toChat(row), memberIds: members.map((m) => m.user_id) });
      const now = new Date();
      if (change.remove?.length) await db.deleteFrom('members').where('chat_id', '=', chatId).where('user_id', 'in', change.remove).execute();
      if (change.add?.length) {
        // Newcomers start with everything so far read: joining a busy group is not a wall of unread messages.
        await db
          .insertInto('members')
          .values(change.add.map((userId) => ({ chat_id: chatId, user_id: userId, last_read_seq: row.last_seq, read_text_seq: row.text_count, read_seq_at: 0, read_at: null, joined_at: now })))
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      const updates: Partial<ChatsTable> = {};
      if (change.title !== undefined) updates.title = change.title;
      if (change.ownerId !== undefined) updates.owner_id = change.ownerId;
      const updated = Object.keys(updates).length > 0 ? await db.updateTable('chats').set(updates).where('id', '=', chatId).returningAll().executeTakeFirstOrThrow() : row;
      if (change.announce.length > 0) {
        await db
          .insertInto('chat_outbox')
          .values(change.announce.map((envelope) => ({ id: envelope.clientId, chat_id: chatId, envelope: JSON.stringify(envelope), created_at: now })))
          .execute();
      }
      return { chat: toChat(updated), change };
    });
  }

  async pendingAnnouncements(chatId: string | null, limit: number, before?: Date): Promise<SendEnvelope[]> {
    let query = this.db().selectFrom('chat_outbox').select('envelope');
    if (chatId !== null) query = query.where('chat_id', '=', chatId);
    if (before) query = query.where('created_at', '<', before);
    const rows = await query.orderBy('created_at').orderBy('id').limit(limit).execute();
    return rows.map((r) => (typeof r.envelope === 'string' ? JSON.parse(r.envelope) : r.envelope) as SendEnvelope);
  }

  async announced(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db().deleteFrom('chat_outbox').where('id', 'in', [...ids]).execute();
  }

  async findOrCreateDirect(chat: NewChat & { directKey: string }): Promise<Chat> {
    const existing = await this.findDirect(chat.directKey);
    if (existing) return existing;
    try {
      return await this.create(chat);
    } catch (error) {
      // Two first messages between the same pair raced; the other one won.
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      const winner = await this.findDirect(chat.directKey);
      if (!winner) throw error;
      return winner;
    }
  }

  async findDirect(directKey: string): Promise<Chat | null> {
    const row = await this.db().selectFrom('chats').selectAll().where('direct_key', '=', directKey).executeTakeFirst();
    return row ? toChat(row) : null;
  }

  async findById(id: string): Promise<Chat | null> {
    const row = await this.db().selectFrom('chats').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toChat(row) : null;
  }

  async existingIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db().selectFrom('chats').select('id').where('id', 'in', [...ids]).execute();
    return new Set(rows.map((r) => r.id));
  }

  async findForMember(chatId: string, userId: string): Promise<MemberChat | null> {
    const row = await this.db()
      .selectFrom('chats as c')
      .innerJoin('members as m', 'm.chat_id', 'c.id')
      .selectAll('c')
      .select(['m.last_read_seq', 'm.read_text_seq'])
      .where('c.id', '=', chatId)
      .where('m.user_id', '=', userId)
      .executeTakeFirst();
    return row ? toMemberChat(row) : null;
  }

  async listForMember(userId: string, limit: number, after: ChatPosition | null): Promise<MemberChat[]> {
    let query = this.db()
      .selectFrom('members as m')
      .innerJoin('chats as c', 'c.id', 'm.chat_id')
      .selectAll('c')
      .select(['m.last_read_seq', 'm.read_text_seq'])
      .where('m.user_id', '=', userId);
    if (after) {
      query = query.where(sql<boolean>`(c.updated_at, c.id) < (${after.updatedAt}, ${after.id})`);
    }
    const rows = await query.orderBy('c.updated_at', 'desc').orderBy('c.id', 'desc').limit(limit).execute();
    return rows.map(toMemberChat);
  }

  async memberIds(chatIds: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(chatIds.map((id) => [id, []]));
    if (chatIds.length === 0) return result;
    const rows = await this.db()
      .selectFrom('members')
      .select(['chat_id', 'user_id'])
      .where('chat_id', 'in', [...chatIds])
      .orderBy('joined_at')
      .orderBy('user_id')
      .execute();
    for (const row of rows) result.get(row.chat_id)?.push(row.user_id);
    return result;
  }

  async chatIdsOf(userId: string): Promise<string[]> {
    const rows = await this.db().selectFrom('members').select('chat_id').where('user_id', '=', userId).execute();
    return rows.map((r) => r.chat_id);
  }

  async chatIdsOfUsers(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return result;
    const rows = await this.db().selectFrom('members').select(['user_id', 'chat_id']).where('user_id', 'in', [...userIds]).execute();
    for (const row of rows) result.get(row.user_id)?.push(row.chat_id);
    return result;
  }

  async membersOf(chatId: string): Promise<string[] | null> {
    const rows = await this.db()
      .selectFrom('chats as c')
      .leftJoin('members as m', 'm.chat_id', 'c.id')
      .select('m.user_id')
      .where('c.id', '=', chatId)
      .execute();
    if (rows.length === 0) return null;
    return rows.flatMap((r) => (r.user_id ? [r.user_id] : []));
  }

  /** The live check's statement for one pair: it already answers whether the chat exists and the user is in it. */
  async isMember(chatId: string, userId: string): Promise<boolean | null> {
    const [state] = await this.liveState([{ chatId, userId }]);
    return state === undefined ? null : state.member;
  }

  /**
   * One statement: the chat row is locked (so receipts of one chat are
   * numbered in commit order), and only a mark that moves forward takes the
   * chat's next read seq.
   */
  async markRead(chatId: string, userId: string, seq: number, textSeq: number): Promise<ReadState | null> {
    const { rows } = await sql<{ last_read_seq: number; read_seq_at: number; read_at: Date | string }>`
      with target as (
        select m.chat_id, m.user_id, least(${seq}::int, c.last_seq) as seq, least(${textSeq}::int, c.text_count) as text_seq
          from chats c join members m on m.chat_id = c.id
         where c.id = ${chatId}::uuid and m.user_id = ${userId}::uuid
           and m.last_read_seq < least(${seq}::int, c.last_seq)
           -- Both rows: a concurrent mark of the same member (another tab) is waited for and re-checked.
           for update of c, m
      ),
      bumped as (
        update chats c set read_seq = c.read_seq + 1 from target t where c.id = t.chat_id returning c.read_seq
      )
      update members m
         set last_read_seq = greatest(m.last_read_seq, t.seq), read_text_seq = greatest(m.read_text_seq, t.text_seq),
             read_seq_at = b.read_seq, read_at = now()
        from target t, bumped b
       where m.chat_id = t.chat_id and m.user_id = t.user_id
      returning m.last_read_seq, m.read_seq_at, m.read_at`.execute(this.db());
    const [row] = rows;
    return row ? { userId, lastReadSeq: row.last_read_seq, readSeq: row.read_seq_at, readAt: toDate(row.read_at) } : null;
  }

  async readStates(chatId: string, afterReadSeq = -1, upToReadSeq?: number): Promise<ReadState[]> {
    let query = this.db()
      .selectFrom('members')
      .select(['user_id', 'last_read_seq', 'read_seq_at', 'read_at'])
      .where('chat_id', '=', chatId)
      .where('read_seq_at', '>', afterReadSeq);
    if (upToReadSeq !== undefined) query = query.where('read_seq_at', '<=', upToReadSeq);
    const rows = await query.orderBy('read_seq_at').orderBy('user_id').execute();
    return rows.map((r) => ({ userId: r.user_id, lastReadSeq: r.last_read_seq, readSeq: r.read_seq_at, readAt: r.read_at === null ? null : toDate(r.read_at) }));
  }

  async recordEventSeqs(events: { chatId: string; eventSeq: number }[]): Promise<void> {
    if (events.length === 0) return;
    await sql`
      update chats c set last_event_seq = greatest(c.last_event_seq, v.event_seq)
        from unnest(${events.map((e) => e.chatId)}::uuid[], ${events.map((e) => e.eventSeq)}::int[]) as v(chat_id, event_seq)
       where c.id = v.chat_id`.execute(this.db());
  }

  async liveState(pairs: readonly WatchedPair[]): Promise<LiveState[]> {
    if (pairs.length === 0) return [];
    // One snapshot for both answers: a member at this instant was one when every message up to lastSeq was recorded.
    const { rows } = await sql<{ chat_id: string; user_id: string; last_seq: number; last_event_seq: number; read_seq: number; member: boolean }>`
      select v.chat_id, v.user_id, c.last_seq, c.last_event_seq, c.read_seq,
             exists (select 1 from members m where m.chat_id = v.chat_id and m.user_id = v.user_id) as member
        from unnest(${pairs.map((p) => p.chatId)}::uuid[], ${pairs.map((p) => p.userId)}::uuid[]) as v(chat_id, user_id)
        join chats c on c.id = v.chat_id`.execute(this.db());
    return rows.map((r) => ({ chatId: r.chat_id, userId: r.user_id, lastSeq: r.last_seq, lastEventSeq: r.last_event_seq, readSeq: r.read_seq, member: r.member }));
  }

  async lastSeqsAfter(afterId: string | null, limit: number): Promise<{ chatId: string; lastSeq: number }[]> {
    let query = this.db().selectFrom('chats').select(['id', 'last_seq']);
    if (afterId !== null) query = query.where('id', '>', afterId);
    const rows = await query.orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ chatId: r.id, lastSeq: r.last_seq }));
  }

  /**
   * Rows go in key order, so two persisters recording overlapping chats lock
   * them in the same order; PostgreSQL may still pick another plan, so a
   * deadlock (40P01) is retried: the statement is idempotent.
   */
  async recordActivity(activity: ChatActivity[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.recordActivityOnce(activity);
      } catch (error) {
        if (attempt >= ACTIVITY_ATTEMPTS || sqlRefusal(error) !== 'conflict') throw error;
        await sleep(conflictBackoffMs(attempt));
      }
    }
  }

  private async recordActivityOnce(unordered: ChatActivity[]): Promise<void> {
    if (unordered.length === 0) return;
    const activity = [...unordered].sort((a, b) => compare(a.chatId, b.chatId));
    const senders = activity
      .flatMap((a) => a.senderSeqs.map((s) => ({ chatId: a.chatId, ...s })))
      .sort((a, b) => compare(a.chatId, b.chatId) || compare(a.senderId, b.senderId));
    // One statement, so atomic without a transaction and one round trip instead of four: PostgreSQL
    // runs a data-modifying WITH to completion whether or not the outer update reads it.
    // `<` and `greatest` keep replays harmless.
    await sql`
      with chat_updates as (
        update chats c
           set last_seq = greatest(c.last_seq, v.seq),
               last_message_id = case when c.last_seq < v.seq then v.message_id else c.last_message_id end,
               updated_at = greatest(c.updated_at, v.at),
               last_event_seq = greatest(c.last_event_seq, v.event_seq),
               text_count = greatest(c.text_count, v.text_count)
          from unnest(${activity.map((a) => a.chatId)}::uuid[], ${activity.map((a) => a.lastSeq)}::int[],
                      ${activity.map((a) => a.lastMessageId)}::uuid[], ${activity.map((a) => a.at.toISOString())}::timestamptz[],
                      ${activity.map((a) => a.lastEventSeq)}::int[], ${activity.map((a) => a.textCount)}::int[])
               as v(chat_id, seq, message_id, at, event_seq, text_count)
         where c.id = v.chat_id and (c.last_seq < v.seq or c.last_event_seq < v.event_seq)
        returning 1
      )
      update members m
         set last_read_seq = greatest(m.last_read_seq, v.seq), read_text_seq = greatest(m.read_text_seq, v.text_seq)
        from unnest(${senders.map((s) => s.chatId)}::uuid[], ${senders.map((s) => s.senderId)}::uuid[],
                    ${senders.map((s) => s.seq)}::int[], ${senders.map((s) => s.textSeq)}::int[]) as v(chat_id, user_id, seq, text_seq)
       where m.chat_id = v.chat_id and m.user_id = v.user_id`.execute(this.db());
  }
}
