import { Migration } from '@mikro-orm/migrations';

/*
 * Read receipts: each chat counts the moves of its members' read marks
 * (read_seq), apart from its events, since they live only in this database
 * whatever the message store; a member row records the count at its latest
 * move and when it was. A resume replays the members whose mark moved after
 * the cursor's count.
 */
export class Migration20261204000000_read_receipts extends Migration {
  async up(): Promise<void> {
    this.addSql('alter table chats add column read_seq integer not null default 0');
    this.addSql('alter table members add column read_seq_at integer not null default 0, add column read_at timestamptz(3)');
    this.addSql('create index members_chat_read_seq_idx on members (chat_id, read_seq_at)');
  }

  async down(): Promise<void> {
    this.addSql('drop index if exists members_chat_read_seq_idx');
    this.addSql('alter table members drop column if exists read_seq_at, drop column if exists read_at');
    this.addSql('alter table chats drop column if exists read_seq');
  }
}
