import { Migration } from '@mikro-orm/migrations';

// User search matches name prefixes; pattern-ops btree indexes serve `like 'abc%'` in any collation.
export class Migration20261121010000_search_indexes extends Migration {
  async up(): Promise<void> {
    this.addSql('create index users_username_prefix_idx on users (username text_pattern_ops)');
    this.addSql('create index users_display_name_prefix_idx on users (lower(display_name) text_pattern_ops)');
  }

  async down(): Promise<void> {
    this.addSql('drop index if exists users_display_name_prefix_idx');
    this.addSql('drop index if exists users_username_prefix_idx');
  }
}
