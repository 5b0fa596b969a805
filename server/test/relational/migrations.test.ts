import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openRelational, type RelationalOrm } from '../../src/relational/orm.js';
import { relationalTargets } from '../support/targets.js';

/** The last migration before idempotency was scoped to the chat. */
const BEFORE_CLIENT_ID_PER_CHAT = 'Migration20261122000000_daily_stats';

describe.each(relationalTargets)('migrations on $name', (target) => {
  let storage: Awaited<ReturnType<typeof target.provision>>;
  let orm: RelationalOrm;
  beforeAll(async () => {
    storage = await target.provision();
    orm = await openRelational({ dataDir: storage.dataDir, databaseUrl: storage.databaseUrl });
  });
  afterAll(async () => {
    await orm?.close();
    await storage?.dispose();
  });

  const execute = (query: string, params: unknown[] = []) => orm.em.fork().execute(query, params);
  const message = (chatId: string, senderId: string, seq: number, clientId: string) =>
    execute(`insert into messages (id, chat_id, seq, sender_id, body, client_id, created_at) values (?, ?, ?, ?, 'hi', ?, now())`, [
      randomUUID(),
      chatId,
      seq,
      senderId,
      clientId,
    ]);
  const uniqueKeys = async () =>
    (
      await execute(
        `select conname, pg_get_constraintdef(oid) as definition from pg_constraint
          where conrelid = 'messages'::regclass and contype = 'u' order by conname`,
      )
    ).map((row: { conname: string; definition: string }) => `${row.conname}: ${row.definition}`);

  it('moves an existing database from (sender_id, client_id) to (sender_id, chat_id, client_id) with its messages', async () => {
    await orm.migrator.up({ to: BEFORE_CLIENT_ID_PER_CHAT });
    const [sender, chatA, chatB] = [randomUUID(), randomUUID(), randomUUID()];
    await execute(`insert into users (id, username, display_name, password_hash, created_at) values (?, 'mig', 'Mig', 'x', now())`, [sender]);
    for (const chat of [chatA, chatB]) {
      await execute(`insert into chats (id, kind, title, last_seq, created_at, updated_at) values (?, 'GROUP', 't', 0, now(), now())`, [chat]);
    }
    await message(chatA, sender, 1, 'k1');
    // The old key refuses the same clientId in another chat: the defect.
    await expect(message(chatB, sender, 1, 'k1')).rejects.toThrow(/messages_sender_client_key/);

    await migrate(orm);
    expect(await uniqueKeys()).toEqual([
      'messages_chat_seq_key: UNIQUE (chat_id, seq)',
      'messages_sender_chat_client_key: UNIQUE (sender_id, chat_id, client_id)',
    ]);
    await message(chatB, sender, 1, 'k1');
    await expect(message(chatA, sender, 2, 'k1')).rejects.toThrow(/messages_sender_chat_client_key/);
    expect(await execute(`select count(*)::int as n from messages`)).toEqual([{ n: 2 }]);
  });
});
