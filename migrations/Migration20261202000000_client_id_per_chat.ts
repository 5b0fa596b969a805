import { Migration } from '@mikro-orm/migrations';

/*
 * Idempotency is scoped to the chat: a clientId reused in another chat is
 * another message. The old key (sender_id, client_id) would refuse it, so it
 * goes; the new key contains the old one, so rows stored under the old key
 * can never violate it. Added before the old one is dropped, so no moment
 * goes without a unique key on retries.
 */
export class Migration20261202000000_client_id_per_chat extends Migration {
  async up(): Promise<void> {
    this.addSql('alter table messages add constraint messages_sender_chat_client_key unique (sender_id, chat_id, client_id)');
    this.addSql('alter table messages drop constraint if exists messages_sender_client_key');
  }

  async down(): Promise<void> {
    // Fails when one sender used a clientId in two chats since: both messages are kept.
    this.addSql('alter table messages add constraint messages_sender_client_key unique (sender_id, client_id)');
    this.addSql('alter table messages drop constraint if exists messages_sender_chat_client_key');
  }
}
