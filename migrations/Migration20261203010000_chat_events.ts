import { Migration } from '@mikro-orm/migrations';
import { APPEND_MESSAGES_V1 } from './Migration20261203000000_append_messages_function.ts';

/**
 * The append function with the chat's event and text counters and the new
 * message columns (see SqlMessageStore.append for what the statement does and
 * why). A new signature and result, so the old function is dropped first.
 */
const APPEND_MESSAGES_V2 = `
      create function parley_append_messages(
        p_ids uuid[], p_chat_ids uuid[], p_sender_ids uuid[], p_bodies text[], p_client_ids text[], p_created_at timestamptz[],
        p_kinds text[], p_subject_ids uuid[], p_reply_to_ids uuid[])
      returns table (
        outcome text, id uuid, chat_id uuid, seq integer, kind text, sender_id uuid, subject_id uuid, body text,
        client_id varchar, reply_to_id uuid, created_at timestamptz, edited_at timestamptz, deleted_at timestamptz,
        event_seq integer, changed_seq integer, changed_at timestamptz, change_id uuid, text_seq integer)
      language plpgsql volatile
      -- Every table is reached by key: a kept plan must never scan a table or a whole index range.
      set enable_seqscan = off
      set enable_mergejoin = off
      as $fn$
      #variable_conflict use_column
      begin
        return query
        with input as (
          select *
            from unnest(p_ids, p_chat_ids, p_sender_ids, p_bodies, p_client_ids, p_created_at, p_kinds, p_subject_ids, p_reply_to_ids)
                 with ordinality as v(id, chat_id, sender_id, body, client_id, created_at, kind, subject_id, reply_to_id, ord)
        ),
        existing as (
          select m.* from messages m where m.id in (select id from input)
          union
          -- One probe of the client key per input row: as a join, a plan kept from when the
          -- table was small merged the input with a whole chat's index range instead.
          -- The chat is compared as text so that no index led by chat_id (seq, changed_seq) can
          -- serve this probe: only the client key's own, led by (sender_id, client_id).
          select m.* from input i
            cross join lateral (
              select * from messages m
               where m.sender_id = i.sender_id and m.client_id = i.client_id and m.chat_id::text = i.chat_id::text
            ) m
        ),
        fresh as (
          select i.* from input i
           where not exists (
                   select 1 from existing e
                    where e.id = i.id or (e.sender_id = i.sender_id and e.chat_id = i.chat_id and e.client_id = i.client_id))
        ),
        locked as materialized (
          select c.id, c.last_seq, c.text_count, c.last_event_seq,
                 greatest(c.last_seq, coalesce((select max(m.seq) from messages m where m.chat_id = c.id), 0)) as seq_base
            from chats c where c.id in (select chat_id from fresh) order by c.id for update
        ),
        numbered as (
          select f.id, f.chat_id, f.sender_id, f.body, f.client_id, f.created_at, f.kind, f.subject_id, f.reply_to_id,
                 (l.seq_base + row_number() over w)::int as seq,
                 -- Every message is an event, so a chat's events are never fewer than its messages.
                 (greatest(l.last_event_seq, l.seq_base) + row_number() over w)::int as event_seq,
                 -- Messages past last_seq were stored by versions that only knew text messages.
                 (l.text_count + l.seq_base - l.last_seq + count(*) filter (where f.kind = 'TEXT') over w)::int as text_seq
            from fresh f join locked l on l.id = f.chat_id
          window w as (partition by f.chat_id order by f.ord)
        ),
        inserted as (
          insert into messages (id, chat_id, seq, kind, sender_id, subject_id, body, client_id, reply_to_id, created_at,
                                event_seq, changed_seq, changed_at, text_seq)
          select id, chat_id, seq, kind, sender_id, subject_id, body, client_id, reply_to_id, created_at,
                 event_seq, event_seq, created_at, text_seq from numbered
          returning *
        ),
        latest as (
          select distinct on (chat_id) chat_id, id, seq, event_seq, text_seq, created_at from numbered order by chat_id, seq desc
        ),
        chat_updates as (
          update chats c
             set last_seq = l.seq, last_message_id = l.id, updated_at = greatest(c.updated_at, l.created_at),
                 last_event_seq = l.event_seq, text_count = l.text_seq
            from latest l
           where c.id = l.chat_id
          returning c.id
        ),
        read_updates as (
          update members m
             set last_read_seq = greatest(m.last_read_seq, s.seq), read_text_seq = greatest(m.read_text_seq, s.text_seq)
            -- Own text messages count as read; a system message (a rename from the settings) reads nothing.
            from (select chat_id, sender_id, max(seq) as seq, max(text_seq) as text_seq from numbered where kind = 'TEXT' group by chat_id, sender_id) s
           where m.chat_id = s.chat_id and m.user_id = s.sender_id
          returning 1
        ),
        outcomes as (
          select 'written'::text as outcome, i.* from inserted i
          union all
          select 'existing'::text as outcome, e.* from existing e
        )
        select o.outcome, o.id, o.chat_id, o.seq, o.kind, o.sender_id, o.subject_id, o.body, o.client_id, o.reply_to_id,
               o.created_at::timestamptz, o.edited_at::timestamptz, o.deleted_at::timestamptz, o.event_seq, o.changed_seq,
               o.changed_at::timestamptz, o.change_id, o.text_seq
          from outcomes o;
      end
      $fn$`;

const DROP_V1 = 'drop function if exists parley_append_messages(uuid[], uuid[], uuid[], text[], text[], timestamptz[])';
const DROP_V2 = 'drop function if exists parley_append_messages(uuid[], uuid[], uuid[], text[], text[], timestamptz[], text[], uuid[], uuid[])';

/*
 * Every durable change to a chat becomes an event in the chat's order
 * (docs/events.md). A chat counts its events (last_event_seq) and its text
 * messages (text_count); a message records the event that created it
 * (event_seq) and the event of its latest change (changed_seq, unique per
 * chat: a resume reads the changes after a cursor by it), and how many text
 * messages the chat had up to it (text_seq: unread counts skip system
 * messages). Existing messages are text messages whose events are their
 * seqs, so existing chats continue their counters from last_seq. An existing
 * group's owner is its longest-standing member. Membership and title changes
 * commit together with their system message in chat_outbox, which the API
 * drains into the event log.
 */
export class Migration20261203010000_chat_events extends Migration {
  async up(): Promise<void> {
    this.addSql(`
      alter table messages
        add column kind text not null default 'TEXT'
          check (kind in ('TEXT', 'MEMBER_JOINED', 'MEMBER_LEFT', 'MEMBER_REMOVED', 'CHAT_RENAMED')),
        add column subject_id uuid references users (id),
        add column reply_to_id uuid,
        add column edited_at timestamptz(3),
        add column deleted_at timestamptz(3),
        add column event_seq integer,
        add column changed_seq integer,
        add column changed_at timestamptz(3),
        add column change_id uuid,
        add column text_seq integer`);
    this.addSql('update messages set event_seq = seq, changed_seq = seq, changed_at = created_at, text_seq = seq');
    this.addSql(`
      alter table messages
        alter column event_seq set not null,
        alter column changed_seq set not null,
        alter column changed_at set not null,
        alter column text_seq set not null`);
    this.addSql('create unique index messages_chat_changed_seq_key on messages (chat_id, changed_seq)');
    // The same key, led by (sender_id, client_id): the append's probe for a retry reaches it without a
    // planner choice between it and the indexes led by chat_id (see APPEND_MESSAGES_V2).
    this.addSql('alter table messages add constraint messages_sender_client_chat_key unique (sender_id, client_id, chat_id)');
    this.addSql('alter table messages drop constraint messages_sender_chat_client_key');
    this.addSql(`
      alter table chats
        add column owner_id uuid references users (id),
        add column last_event_seq integer not null default 0,
        add column text_count integer not null default 0`);
    this.addSql('update chats set last_event_seq = last_seq, text_count = last_seq');
    this.addSql(`
      update chats c
         set owner_id = (select m.user_id from members m where m.chat_id = c.id order by m.joined_at, m.user_id limit 1)
       where c.kind = 'GROUP'`);
    this.addSql('alter table members add column read_text_seq integer not null default 0');
    this.addSql('update members set read_text_seq = last_read_seq');
    this.addSql(`
      create table chat_outbox (
        id uuid primary key,
        chat_id uuid not null references chats (id) on delete cascade,
        envelope jsonb not null,
        created_at timestamptz(3) not null
      )`);
    this.addSql(DROP_V1);
    this.addSql(APPEND_MESSAGES_V2);
  }

  async down(): Promise<void> {
    this.addSql(DROP_V2);
    this.addSql('drop table if exists chat_outbox');
    this.addSql('alter table members drop column if exists read_text_seq');
    this.addSql('alter table chats drop column if exists owner_id, drop column if exists last_event_seq, drop column if exists text_count');
    // System messages have no meaning to the older version.
    this.addSql("delete from messages where kind <> 'TEXT'");
    this.addSql('drop index if exists messages_chat_changed_seq_key');
    this.addSql('alter table messages add constraint messages_sender_chat_client_key unique (sender_id, chat_id, client_id)');
    this.addSql('alter table messages drop constraint if exists messages_sender_client_chat_key');
    this.addSql(`
      alter table messages
        drop column if exists kind, drop column if exists subject_id, drop column if exists reply_to_id,
        drop column if exists edited_at, drop column if exists deleted_at, drop column if exists event_seq,
        drop column if exists changed_seq, drop column if exists changed_at, drop column if exists change_id,
        drop column if exists text_seq`);
    this.addSql(APPEND_MESSAGES_V1);
  }
}
