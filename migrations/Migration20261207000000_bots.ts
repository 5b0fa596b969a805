import { Migration } from '@mikro-orm/migrations';

/*
 * Bots: users with `is_bot`, owned by a person, who sign in with a token only.
 * A bot has no password (so `login` can never succeed for it) and holds at
 * most one valid token at a time, named by `bot_token_id`: the id is a claim
 * of the token, compared with this column on every request, so revoking is
 * one update (null) that every instance sees at once. The check constraint
 * keeps people and bots apart: a person has a password and no owner or bot
 * token; a bot an owner and no password.
 */
export class Migration20261207000000_bots extends Migration {
  async up(): Promise<void> {
    this.addSql('alter table users add column is_bot boolean not null default false');
    this.addSql('alter table users add column owner_id uuid references users (id)');
    this.addSql('alter table users add column bot_token_id uuid');
    this.addSql('alter table users alter column password_hash drop not null');
    this.addSql(`
      alter table users add constraint users_bot_shape check (
        (is_bot and owner_id is not null and password_hash is null)
        or (not is_bot and owner_id is null and bot_token_id is null and password_hash is not null)
      )`);
    // Counting an owner's bots (at most ten each) reads only their rows.
    this.addSql('create index users_owner_id_idx on users (owner_id) where owner_id is not null');
  }

  async down(): Promise<void> {
    this.addSql('drop index if exists users_owner_id_idx');
    this.addSql('alter table users drop constraint if exists users_bot_shape');
    // Bots stay (messages and memberships refer to them), as accounts no password opens: '!' is no scrypt hash.
    this.addSql(`update users set password_hash = '!' where is_bot`);
    this.addSql('alter table users alter column password_hash set not null');
    this.addSql('alter table users drop column if exists bot_token_id');
    this.addSql('alter table users drop column if exists owner_id');
    this.addSql('alter table users drop column if exists is_bot');
  }
}
