import { Migration } from '@mikro-orm/migrations';

/*
 * The message store's append statement (server/src/message-store/sql-message-store.ts,
 * SqlMessageStore.append, says what it does and why), as a function. Sent as
 * a plain statement it was parsed and planned again for every batch: about
 * 1 ms of the embedded persister's CPU per batch, more than its execution and
 * more than a send's whole GraphQL path. PL/pgSQL keeps the plan of its
 * statements for the session, so each connection plans it once. Same
 * statement, same locks, same snapshot rules (a volatile function's statement
 * takes its snapshot when it starts, as a top-level one does).
 *
 * enable_seqscan = off, for this function only: every table it reads is
 * reached by key (ids, the client key, (chat_id, seq), members by pk), and a
 * kept plan is made once. Planned while `messages` is small (a fresh
 * database; embedded PGlite never runs ANALYZE), the probes for existing
 * messages became sequential scans, and stayed so as the table grew: each
 * batch cost more than the last (5.5 → 10 ms per 20-message batch over
 * 60,000 messages). With seq scans priced out the kept plan uses the indexes
 * at any size (flat 2.7 ms).
 *
 * Changing the statement means a new migration that replaces the function.
 */
/** The first version of the function; the chat events migration puts it back when it is rolled back. */
export const APPEND_MESSAGES_V1 = `
      create or replace function parley_append_messages(
        p_ids uuid[], p_chat_ids uuid[], p_sender_ids uuid[], p_bodies text[], p_client_ids text[], p_created_at timestamptz[])
      returns table (kind text, id uuid, chat_id uuid, seq integer, sender_id uuid, body text, client_id varchar, created_at timestamptz)
      language plpgsql volatile
      set enable_seqscan = off
      as $fn$
      #variable_conflict use_column
      begin
        return query
        with input as (
          select *
            from unnest(p_ids, p_chat_ids, p_sender_ids, p_bodies, p_client_ids, p_created_at)
                 with ordinality as v(id, chat_id, sender_id, body, client_id, created_at, ord)
        ),
        existing as (
          select m.* from messages m where m.id in (select id from input)
          union
          select m.* from messages m
            join input i on m.sender_id = i.sender_id and m.chat_id = i.chat_id and m.client_id = i.client_id
        ),
        fresh as (
          select i.* from input i
           where not exists (
                   select 1 from existing e
                    where e.id = i.id or (e.sender_id = i.sender_id and e.chat_id = i.chat_id and e.client_id = i.client_id))
        ),
        locked as materialized (
          select c.id, c.last_seq from chats c where c.id in (select chat_id from fresh) order by c.id for update
        ),
        numbered as (
          select f.id, f.chat_id, f.sender_id, f.body, f.client_id, f.created_at,
                 (greatest(l.last_seq, coalesce((select max(m.seq) from messages m where m.chat_id = l.id), 0))
                   + row_number() over (partition by f.chat_id order by f.ord))::int as seq
            from fresh f join locked l on l.id = f.chat_id
        ),
        inserted as (
          insert into messages (id, chat_id, seq, sender_id, body, client_id, created_at)
          select id, chat_id, seq, sender_id, body, client_id, created_at from numbered
          returning *
        ),
        latest as (
          select distinct on (chat_id) chat_id, id, seq, created_at from numbered order by chat_id, seq desc
        ),
        chat_updates as (
          update chats c
             set last_seq = l.seq, last_message_id = l.id, updated_at = greatest(c.updated_at, l.created_at)
            from latest l
           where c.id = l.chat_id
          returning c.id
        ),
        read_updates as (
          update members m
             set last_read_seq = greatest(m.last_read_seq, s.seq)
            from (select chat_id, sender_id, max(seq) as seq from numbered group by chat_id, sender_id) s
           where m.chat_id = s.chat_id and m.user_id = s.sender_id
          returning 1
        )
        select 'written'::text, i.id, i.chat_id, i.seq, i.sender_id, i.body, i.client_id, i.created_at::timestamptz from inserted i
        union all
        select 'existing'::text, e.id, e.chat_id, e.seq, e.sender_id, e.body, e.client_id, e.created_at::timestamptz from existing e;
      end
      $fn$`;

export class Migration20261203000000_append_messages_function extends Migration {
  async up(): Promise<void> {
    this.addSql(APPEND_MESSAGES_V1);
  }

  async down(): Promise<void> {
    this.addSql('drop function if exists parley_append_messages(uuid[], uuid[], uuid[], text[], text[], timestamptz[])');
  }
}
