import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf } from '../../src/domain/day.js';
import { MessageCipher, parseMessageKeys } from '../../src/encryption/message-cipher.js';
import { rekey } from '../../src/encryption/rekey.js';
import { summarizeDay } from '../../src/jobs/chat-summary.js';
import { SqlMessageStore } from '../../src/message-store/sql-message-store.js';
import { SqlReporting } from '../../src/reporting/sql-reporting.js';
import { SqlDailyStatsRepository } from '../../src/relational/daily-stats-repository.js';
import { openRelational, type RelationalOrm } from '../../src/relational/orm.js';
import type { Tables } from '../../src/relational/tables.js';
import { chatEventsOf } from '../support/chat-events.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { codeOf, subscribeMessages, TestServer, type GraphQLResponse } from '../support/server.js';
import { deploymentSetups } from '../support/targets.js';
import { until } from '../support/until.js';
import { directChat, send, signup, type TestUser } from '../support/users.js';

const keyText = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const K1 = keyText('k1');
const K2 = keyText('k2');
const K3 = keyText('k3');

const HISTORY = `query ($c: ID!) { messages(chatId: $c, last: 100) { edges { node { id seq kind body editedAt deletedAt replyTo { id body } } } } }`;
const CHAT = `query ($c: ID!) { chat(id: $c) { title lastSeq eventCursor lastMessage { id body } } }`;
const SEARCH = `query ($q: String!) { searchMessages(query: $q) { edges { node { id } } } }`;
const EDIT = `mutation ($id: ID!, $b: String!) { editMessage(messageId: $id, body: $b) { id body editedAt } }`;
const DELETE = `mutation ($id: ID!) { deleteMessage(messageId: $id) { id body deletedAt } }`;
const REPLY = `mutation ($c: ID!, $b: String!, $r: ID!) { sendMessage(chatId: $c, body: $b, replyToId: $r) { messageId } }`;
const GROUP = `mutation ($t: String!, $m: [ID!]!) { createGroupChat(title: $t, memberIds: $m) { id } }`;
const RENAME = `mutation ($c: ID!, $t: String!) { renameChat(chatId: $c, title: $t) { id } }`;

/** Words of message bodies only (titles live in chats.title in plain text by design: docs/encryption.md). */
const SECRETS = ['treasure', 'lighthouse', 'pineapple', 'walrus', 'zeppelin', 'rotated'];

interface Node {
  id: string;
  seq: number;
  kind: string;
  body: string;
  editedAt: string | null;
  deletedAt: string | null;
  replyTo: { id: string; body: string } | null;
}

/** Every stored body as it sits in the messages table. */
async function rawBodies(orm: RelationalOrm): Promise<{ id: string; chat_id: string; body: string }[]> {
  const { rows } = await sql<{ id: string; chat_id: string; body: string }>`select id, chat_id, body from messages order by chat_id, seq`.execute(
    orm.em.fork().getKysely<Tables>(),
  );
  return rows;
}

/** Every file under a directory, read whole (PGlite's heap, indexes and write-ahead log). */
async function filesUnder(dir: string): Promise<Buffer[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(entries.filter((e) => e.isFile()).map((e) => readFile(join(e.parentPath, e.name))));
}

for (const { name, target, env } of deploymentSetups(REDIS_URL, redisSkipReason)) {
  describe(`message encryption (MESSAGE_KEYS) on ${name}`, () => {
    let storage: Awaited<ReturnType<typeof target.provision>>;
    let server: TestServer;
    let ada: TestUser;
    let bob: TestUser;
    let chatId: string;
    const running = target.name === 'postgres';

    /** Another server on the same storage with another key list (a restart or a rolling deploy). */
    const reboot = async (keys: string | null) => {
      await server?.stop();
      server = await TestServer.attach(storage, { ...env, ...(keys === null ? {} : { MESSAGE_KEYS: keys }) });
    };
    /** The raw database: beside the running server on PostgreSQL; PGlite belongs to one process, so between two runs. */
    const withRaw = async <T>(use: (orm: RelationalOrm) => Promise<T>, keysAfter: string | null): Promise<T> => {
      if (!running) await server.stop();
      const orm = await openRelational(storage);
      try {
        return await use(orm);
      } finally {
        await orm.close();
        if (!running) server = await TestServer.attach(storage, { ...env, ...(keysAfter === null ? {} : { MESSAGE_KEYS: keysAfter }) });
      }
    };
    const history = async (viewer = bob): Promise<Node[]> =>
      ((await server.ok(HISTORY, { c: chatId }, viewer.token)).messages.edges as { node: Node }[]).map((e) => e.node);

    beforeAll(async () => {
      storage = await target.provision();
      server = await TestServer.attach(storage, { ...env, MESSAGE_KEYS: K1 });
      [ada, bob] = [await signup(server), await signup(server)];
      chatId = (await server.ok(GROUP, { t: 'Expedition', m: [bob.id] }, ada.token)).createGroupChat.id;
    });
    afterAll(async () => {
      await server?.stop();
      await storage?.dispose();
    });

    it('history, live delivery, edits, deletions, replies, renames and resume read as plain text', async () => {
      const { eventCursor, lastSeq } = (await server.ok(CHAT, { c: chatId }, bob.token)).chat;
      const client = server.wsClient(bob.token);
      const live = subscribeMessages(client, chatId, lastSeq);
      const events = chatEventsOf(client, chatId, eventCursor);
      try {
        const first = await send(server, ada, chatId, 'the treasure is under the lighthouse');
        const second = await send(server, ada, chatId, 'pineapple is the password');
        const received = await live.waitFor(2);
        expect(received.map((m) => m.body)).toEqual(['the treasure is under the lighthouse', 'pineapple is the password']);

        const edited = (await server.ok(EDIT, { id: first.messageId, b: 'the walrus moved it' }, ada.token)).editMessage;
        expect(edited.body).toBe('the walrus moved it');
        await server.ok(DELETE, { id: second.messageId }, ada.token);
        await server.ok(REPLY, { c: chatId, b: 'zeppelin at dawn', r: first.messageId }, bob.token);
        await server.ok(RENAME, { c: chatId, t: 'Secret expedition' }, ada.token);

        await until(() => events.events.some((e) => e.__typename === 'MessageAdded' && e.message?.kind === 'CHAT_RENAMED'));
        const byType = (type: string) => events.events.filter((e) => e.__typename === type).map((e) => e.message!.body);
        expect(byType('MessageAdded')).toEqual(['the treasure is under the lighthouse', 'pineapple is the password', 'zeppelin at dawn', 'Secret expedition']);
        expect(byType('MessageEdited')).toEqual(['the walrus moved it']);
        expect(byType('MessageDeleted')).toEqual(['']);

        const nodes = await history();
        const text = nodes.filter((n) => n.kind === 'TEXT');
        expect(text.map((n) => n.body)).toEqual(['the walrus moved it', '', 'zeppelin at dawn']);
        expect(text[0]!.editedAt).not.toBeNull();
        expect(text[1]!.deletedAt).not.toBeNull();
        expect(text[2]!.replyTo).toEqual({ id: first.messageId, body: 'the walrus moved it' });
        expect(nodes.at(-1)).toMatchObject({ kind: 'CHAT_RENAMED', body: 'Secret expedition' });
        expect((await server.ok(CHAT, { c: chatId }, bob.token)).chat.lastMessage.body).toBe('Secret expedition');
      } finally {
        live.close();
        events.close();
      }

      // Resume: a replay from the store, and a chatEvents resume, opened the same way.
      const again = server.wsClient(bob.token);
      const replay = subscribeMessages(again, chatId, 0);
      const resumed = chatEventsOf(again, chatId, eventCursor);
      try {
        const all = await replay.waitFor((await history()).length);
        expect(all.filter((m) => m.body !== '').map((m) => m.body)).toContain('the walrus moved it');
        await until(() => resumed.events.some((e) => e.message?.kind === 'CHAT_RENAMED'));
        expect(resumed.events.filter((e) => e.message?.kind === 'TEXT').map((e) => e.message!.body)).toEqual(['the walrus moved it', '', 'zeppelin at dawn']);
      } finally {
        replay.close();
        resumed.close();
        await again.dispose();
      }
      await client.dispose();
    });

    it('stores only ciphertext: every body in the messages table is sealed under the key, and no file of an embedded database holds the text', async () => {
      const rows = await withRaw(rawBodies, K1);
      expect(rows.length).toBeGreaterThanOrEqual(4);
      for (const row of rows) {
        if (row.body !== '') expect(row.body).toMatch(/^enc:v1:k1:[A-Za-z0-9_-]+$/);
        for (const secret of SECRETS) expect(row.body).not.toContain(secret);
      }
      // The system messages are sealed too (the rename's body), and the deleted message is empty.
      expect(rows.filter((r) => r.body === '').length).toBeGreaterThanOrEqual(1);
      expect(rows.map((r) => r.body)).not.toContain('Secret expedition');
      if (!running) {
        // The in-process event log never touches disk; PGlite's files (tables, indexes, WAL) never saw the text.
        await server.stop();
        const files = await filesUnder(storage.dataDir);
        for (const secret of SECRETS) expect(files.some((f) => f.includes(secret)), secret).toBe(false);
        // The control: the title, which chats.title holds in plain text, is found by the same search.
        expect(files.some((f) => f.includes('Secret expedition'))).toBe(true);
        server = await TestServer.attach(storage, { ...env, MESSAGE_KEYS: K1 });
      }
    });

    it('searchMessages says search is off while bodies are encrypted; the nightly summary still counts', async () => {
      const result = await server.gql(SEARCH, { q: 'walrus' }, bob.token);
      expect(codeOf(result)).toBe('UNAVAILABLE');
      expect(result.errors![0]!.message).toMatch(/Search is off .* message bodies are encrypted \(MESSAGE_KEYS\)/);

      const summary = await withRaw(
        (orm) => summarizeDay({ reporting: new SqlReporting(orm), dailyStats: new SqlDailyStatsRepository(orm) }, dayOf(new Date())),
        K1,
      );
      // Text messages only: the two of ada's (one since deleted) and bob's reply, in this chat; other chats are other tests'.
      expect(summary.messages).toBeGreaterThanOrEqual(3);
      const stats = await server.ok(`query ($c: ID!, $d: Date!) { chatStats(chatId: $c, from: $d, to: $d) { messages senders } }`, { c: chatId, d: dayOf(new Date()) }, bob.token);
      expect(stats.chatStats).toEqual([{ messages: 3, senders: 2 }]);
    });

    it(`rotates to a new key with rekey ${running ? 'while Parley serves and edits race it' : 'between two runs'}, and seals what was stored in plain text`, async () => {
      // Bodies stored before encryption was turned on: plain, read as they are.
      await reboot(null);
      const plain = await send(server, ada, chatId, 'rotated plain text from before');
      await reboot(`${K2},${K1}`);
      expect((await history()).map((n) => n.body)).toContain('rotated plain text from before');

      const cipher = new MessageCipher(parseMessageKeys(`${K2},${K1}`));
      const racing = await send(server, ada, chatId, 'rotated: will be edited during the rekey');
      const report = await withRaw(async (orm) => {
        const store = new SqlMessageStore(orm);
        // Small pages, and an edit landing between the first page and the rest.
        let edited: Promise<unknown> | null = null;
        const result = await rekey(store, cipher, {
          pageSize: 2,
          onPage: () => {
            if (running) edited ??= server.ok(EDIT, { id: racing.messageId, b: 'rotated: edited while rekeying' }, ada.token);
          },
        });
        await edited;
        return result;
      }, `${K2},${K1}`);
      expect(report.unreadable).toEqual([]);
      expect(report.missingKeys).toEqual({});
      // Under k1: the edited first message, the reply, the rename; and the plain one.
      expect(report.rewritten).toBeGreaterThanOrEqual(4);

      // Everything is under k2 now; a second run writes nothing (resumable: it only skips).
      const after = await withRaw(async (orm) => ({ rows: await rawBodies(orm), again: await rekey(new SqlMessageStore(orm), cipher) }), K2);
      for (const row of after.rows) if (row.body !== '') expect(row.body).toMatch(/^enc:v1:k2:/);
      expect(after.again.rewritten).toBe(0);
      expect(after.again.current).toBe(after.again.scanned);

      // The old key leaves the configuration and every body still reads.
      await reboot(K2);
      const nodes = await history();
      expect(nodes.find((n) => n.id === plain.messageId)!.body).toBe('rotated plain text from before');
      expect(nodes.find((n) => n.id === racing.messageId)!.body).toBe(running ? 'rotated: edited while rekeying' : 'rotated: will be edited during the rekey');
    });

    it('a body under a key this instance lacks, or altered, answers UNAVAILABLE naming it, over HTTP and graphql-ws, and nothing else breaks', async () => {
      await reboot(K3);
      const result: GraphQLResponse = await server.gql(HISTORY, { c: chatId }, bob.token);
      expect(codeOf(result)).toBe('UNAVAILABLE');
      expect(result.errors![0]!.message).toMatch(/encrypted under key "k2", which this Parley instance does not have \(MESSAGE_KEYS\)/);
      expect(JSON.stringify(result)).not.toMatch(/stacktrace|    at /);
      const client = server.wsClient(bob.token);
      const replay = subscribeMessages(client, chatId, 0);
      try {
        expect(await replay.waitForError()).toMatchObject({ extensions: { code: 'UNAVAILABLE' } });
      } finally {
        replay.close();
        await client.dispose();
      }
      // Other chats are untouched: sends work (under k3) and read back.
      const direct = await directChat(server, ada, bob);
      await send(server, ada, direct, 'new key, new message');
      const page = await server.ok(`query ($c: ID!) { messages(chatId: $c, last: 1) { edges { node { body } } } }`, { c: direct }, bob.token);
      expect(page.messages.edges[0].node.body).toBe('new key, new message');

      // An altered ciphertext (one byte flipped) fails authentication: UNAVAILABLE, naming the message.
      await reboot(`${K3},${K2}`);
      const victim = (await history()).find((n) => n.body === 'zeppelin at dawn')!;
      await withRaw(async (orm) => {
        await sql`update messages set body = overlay(body placing (case when substr(body, 20, 1) = 'A' then 'B' else 'A' end) from 20 for 1) where id = ${victim.id}::uuid`.execute(
          orm.em.fork().getKysely<Tables>(),
        );
      }, `${K3},${K2}`);
      const damagedHistory = await server.gql(HISTORY, { c: chatId }, bob.token);
      expect(codeOf(damagedHistory)).toBe('UNAVAILABLE');
      expect(damagedHistory.errors![0]!.message).toBe(`Message ${victim.id} cannot be decrypted with key "k2": its stored body is damaged or was altered`);
    });
  });
}
