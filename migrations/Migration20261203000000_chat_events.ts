import { Migration } from '@mikro-orm/migrations';

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
export class Migration20261203000000_chat_events extends Migration {
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
  }

  async down(): Promise<void> {
    this.addSql('drop table if exists chat_outbox');
    this.addSql('alter table members drop column if exists read_text_seq');
    this.addSql('alter table chats drop column if exists owner_id, drop column if exists last_event_seq, drop column if exists text_count');
    // System messages have no meaning to the older version.
    this.addSql("delete from messages where kind <> 'TEXT'");
    this.addSql('drop index if exists messages_chat_changed_seq_key');
    this.addSql(`
      alter table messages
        drop column if exists kind, drop column if exists subject_id, drop column if exists reply_to_id,
        drop column if exists edited_at, drop column if exists deleted_at, drop column if exists event_seq,
        drop column if exists changed_seq, drop column if exists changed_at, drop column if exists change_id,
        drop column if exists text_seq`);
  }
}
