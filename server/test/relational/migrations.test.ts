import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrateRelational, openRelational, type RelationalOrm } from '../../src/relational/orm.js';
import { freshPgliteTarget, pgliteTarget, postgresTarget, relationalTargets } from '../support/targets.js';

/** The last migration before idempotency was scoped to the chat. */
const BEFORE_CLIENT_ID_PER_CHAT = 'Migration20261122000000_daily_stats';

// From scratch on PGlite too: the other suites' PGlite comes migrated already.
describe.each(relationalTargets.map((t) => (t === pgliteTarget ? freshPgliteTarget : t)))('migrations on $name', (target) => {
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
  /** A row as the schema of the time takes it: after the chat events migration a message also carries its counters. */
  const message = async (chatId: string, senderId: string, seq: number, clientId: string) => {
    const [{ n }] = await execute(`select count(*)::int as n from mikro_orm_migrations where name like 'Migration20261203010000%'`);
    return n > 0
      ? execute(
          `insert into messages (id, chat_id, seq, sender_id, body, client_id, created_at, event_seq, changed_seq, changed_at, text_seq)
           values (?, ?, ?, ?, 'hi', ?, now(), ?, ?, now(), ?)`,
          [randomUUID(), chatId, seq, senderId, clientId, seq, seq, seq],
        )
      : execute(`insert into messages (id, chat_id, seq, sender_id, body, client_id, created_at) values (?, ?, ?, ?, 'hi', ?, now())`, [
          randomUUID(),
          chatId,
          seq,
          senderId,
          clientId,
        ]);
  };
  const uniqueKeys = async () =>
    (
      (await execute(
        `select conname, pg_get_constraintdef(oid) as definition from pg_constraint
          where conrelid = 'messages'::regclass and contype = 'u' order by conname`,
      )) as { conname: string; definition: string }[]
    ).map((row) => `${row.conname}: ${row.definition}`);

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
    expect((await uniqueKeys()).filter((key) => !key.startsWith('messages_chat_changed_seq'))).toEqual([
      'messages_chat_seq_key: UNIQUE (chat_id, seq)',
      'messages_sender_client_chat_key: UNIQUE (sender_id, client_id, chat_id)',
    ]);
    await message(chatB, sender, 1, 'k1');
    await expect(message(chatA, sender, 2, 'k1')).rejects.toThrow(/messages_sender_client_chat_key/);
    expect(await execute(`select count(*)::int as n from messages`)).toEqual([{ n: 2 }]);
  });

  it('makes existing messages text messages whose events are their seqs, and continues every chat’s counters from there', async () => {
    // The previous test left the database fully migrated: roll the chat events migration back and forth.
    await orm.migrator.down({ to: 'Migration20261202000000_client_id_per_chat' });
    const [ada, bob, chat] = [randomUUID(), randomUUID(), randomUUID()];
    for (const [id, name] of [[ada, 'ada_m'], [bob, 'bob_m']]) {
      await execute(`insert into users (id, username, display_name, password_hash, created_at) values (?, ?, ?, 'x', now())`, [id, name, name]);
    }
    await execute(`insert into chats (id, kind, title, last_seq, created_at, updated_at) values (?, 'GROUP', 't', 2, now(), now())`, [chat]);
    await execute(`insert into members (chat_id, user_id, last_read_seq, joined_at) values (?, ?, 2, now() - interval '1 day'), (?, ?, 1, now())`, [chat, ada, chat, bob]);
    await message(chat, ada, 1, 'a1');
    await message(chat, bob, 2, 'b1');

    await migrate(orm);
    expect(await execute(`select seq, kind, event_seq, changed_seq, text_seq, deleted_at from messages where chat_id = ? order by seq`, [chat])).toEqual([
      { seq: 1, kind: 'TEXT', event_seq: 1, changed_seq: 1, text_seq: 1, deleted_at: null },
      { seq: 2, kind: 'TEXT', event_seq: 2, changed_seq: 2, text_seq: 2, deleted_at: null },
    ]);
    // The longest-standing member owns an existing group; read marks carry their text counts.
    expect(await execute(`select owner_id, last_event_seq, text_count from chats where id = ?`, [chat])).toEqual([{ owner_id: ada, last_event_seq: 2, text_count: 2 }]);
    expect(await execute(`select user_id, read_text_seq from members where chat_id = ? order by joined_at`, [chat])).toEqual([
      { user_id: ada, read_text_seq: 2 },
      { user_id: bob, read_text_seq: 1 },
    ]);
  });
});

describe.runIf(relationalTargets.includes(postgresTarget))('migrations of instances starting together on one PostgreSQL', () => {
  it('take turns: every instance starts, and each migration is applied once', async () => {
    const storage = await postgresTarget.provision();
    const options = { databaseUrl: storage.databaseUrl, dataDir: storage.dataDir };
    const orms = await Promise.all([openRelational(options), openRelational(options), openRelational(options)]);
    try {
      const applied = await Promise.all(orms.map((orm) => migrateRelational(orm, options)));
      const all = applied.flat();
      expect(all.length).toBeGreaterThan(0);
      expect(new Set(all).size).toBe(all.length);
    } finally {
      await Promise.all(orms.map((orm) => orm.close()));
      await storage.dispose();
    }
  });
});
