import { Migration } from '@mikro-orm/migrations';

/*
 * Full-text search over message bodies. The `simple` configuration only
 * lower-cases, with no stemming and no stop words, so every language is
 * searched the same way (the words as written). Only text messages that are
 * not deleted have words; an edit re-derives them. A body encrypted at rest
 * (MESSAGE_KEYS: `enc:v1:…`) has none: its letters are noise, and search is
 * off while bodies are encrypted. The index leads with the
 * chat (btree_gin) so that a search reads only the viewer's chats' matches,
 * not every chat's; where btree_gin cannot be created (a database role that
 * may not create extensions), the index holds the words alone, and searches
 * still work, slower for words common across the deployment.
 */
export class Migration20261206000000_message_search extends Migration {
  async up(): Promise<void> {
    this.addSql(`
      alter table messages add column search tsvector
        generated always as (to_tsvector('simple'::regconfig,
          case when kind = 'TEXT' and deleted_at is null and body not like 'enc:v1:%' then body else '' end)) stored`);
    this.addSql(`
      do $$
      begin
        begin
          create extension if not exists btree_gin;
          create index messages_search_idx on messages using gin (chat_id, search);
        exception when insufficient_privilege or undefined_file or feature_not_supported then
          raise notice 'btree_gin is not available (%): indexing message words alone', sqlerrm;
          create index messages_search_idx on messages using gin (search);
        end;
      end $$`);
  }

  async down(): Promise<void> {
    this.addSql('drop index if exists messages_search_idx');
    this.addSql('alter table messages drop column if exists search');
  }
}
