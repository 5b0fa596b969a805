import { Migration } from '@mikro-orm/migrations';

/*
 * Presence: who is online lives in the presence registry (Redis, or this
 * process), but when someone was last seen outlives both, so it is kept with
 * the user and written once per going offline.
 */
export class Migration20261205000000_last_seen extends Migration {
  async up(): Promise<void> {
    this.addSql('alter table users add column last_seen_at timestamptz(3)');
  }

  async down(): Promise<void> {
    this.addSql('alter table users drop column if exists last_seen_at');
  }
}
