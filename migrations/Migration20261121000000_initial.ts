import { Migration } from '@mikro-orm/migrations';

// Plain, erasable TypeScript: Node loads it directly (type stripping) and so does the ORM's migrator.
export class Migration20261121000000_initial extends Migration {
  async up(): Promise<void> {
    this.addSql(`
      create table users (
        id uuid primary key,
        username varchar(32) not null unique,
        display_name varchar(64) not null,
        password_hash text not null,
        created_at timestamptz(3) not null
      )`);
    this.addSql(`
      create table chats (
        id uuid primary key,
        kind text not null check (kind in ('DIRECT', 'GROUP')),
        title varchar(100),
        direct_key text unique,
        last_seq integer not null default 0,
        last_message_id uuid,
        created_at timestamptz(3) not null,
        updated_at timestamptz(3) not null
      )`);
    this.addSql(`
      create table members (
        chat_id uuid not null references chats (id) on delete cascade,
        user_id uuid not null references users (id) on delete cascade,
        last_read_seq integer not null default 0,
        joined_at timestamptz(3) not null,
        primary key (chat_id, user_id)
      )`);
    // The chat list walks a member's chats by activity; members by user finds them.
    this.addSql('create index members_user_id_idx on members (user_id)');
    this.addSql('create index chats_activity_idx on chats (updated_at desc, id desc)');
    this.addSql(`
      create table messages (
        id uuid primary key,
        chat_id uuid not null references chats (id) on delete cascade,
        seq integer not null,
        sender_id uuid not null references users (id),
        body text not null,
        client_id varchar(128),
        created_at timestamptz(3) not null,
        constraint messages_chat_seq_key unique (chat_id, seq),
        constraint messages_sender_client_key unique (sender_id, client_id)
      )`);
  }

  async down(): Promise<void> {
    this.addSql('drop table if exists messages');
    this.addSql('drop table if exists members');
    this.addSql('drop table if exists chats');
    this.addSql('drop table if exists users');
  }
}
