import { Migration } from '@mikro-orm/migrations';

/*
 * What the daily chat summary job (server/src/jobs/chat-summary.ts) writes, one
 * UTC day at a time. No foreign key to chats: the messages may live in MongoDB,
 * which checks no references, and a summary must still be writable for
 * whatever the store holds.
 */
export class Migration20261122000000_daily_stats extends Migration {
  async up(): Promise<void> {
    this.addSql(`
      create table chat_daily_stats (
        chat_id uuid not null,
        day date not null,
        messages integer not null,
        senders integer not null,
        first_at timestamptz(3) not null,
        last_at timestamptz(3) not null,
        primary key (chat_id, day)
      )`);
    // A re-run replaces its day: the delete finds that day's rows without reading every chat's.
    this.addSql('create index chat_daily_stats_day_idx on chat_daily_stats (day)');
    this.addSql(`
      create table daily_activity (
        day date primary key,
        active_users integer not null,
        active_chats integer not null
      )`);
    // The job reads one day of messages: a range on created_at instead of a scan of the whole table.
    this.addSql('create index messages_created_at_idx on messages (created_at)');
  }

  async down(): Promise<void> {
    this.addSql('drop index if exists messages_created_at_idx');
    this.addSql('drop table if exists daily_activity');
    this.addSql('drop table if exists chat_daily_stats');
  }
}
