import { randomBytes, randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { MongoMessageStore } from '../../src/message-store/mongo-message-store.js';
import { mongoClientOptions } from '../../src/message-store/mongo-url.js';
import { BookkeepingMessageStore } from '../../src/message-store/bookkeeping-message-store.js';
import { SqlMessageStore } from '../../src/message-store/sql-message-store.js';
import { MongoReporting } from '../../src/reporting/mongo-reporting.js';
import { SqlReporting } from '../../src/reporting/sql-reporting.js';
import { SqlChatRepository } from '../../src/relational/chat-repository.js';
import { migrate, openRelational, type RelationalOrm } from '../../src/relational/orm.js';
import { SqlUserRepository } from '../../src/relational/user-repository.js';
import { pgliteTarget, relationalTargets, type RelationalTarget } from '../support/targets.js';
import { messageStoreContract, type MessageStoreFixture, type RecordedChat } from './message-store.contract.js';
import type { Tables } from '../../src/relational/tables.js';

/** A chat's summary as the relational database holds it. */
const recordedIn = (orm: RelationalOrm) => async (chatId: string): Promise<RecordedChat> => {
  const row = await orm.em
    .fork()
    .getKysely<Tables>()
    .selectFrom('chats')
    .select(['last_seq', 'last_message_id', 'last_event_seq', 'text_count'])
    .where('id', '=', chatId)
    .executeTakeFirstOrThrow();
  return { lastSeq: row.last_seq, lastMessageId: row.last_message_id, lastEventSeq: row.last_event_seq, textCount: row.text_count };
};

/** A relational database on a target, migrated, with users and chats: where chats live beside any message store. */
const relationalChats = async (target: RelationalTarget) => {
  const storage = await target.provision();
  const orm = await openRelational(storage);
  await migrate(orm);
  const users = new SqlUserRepository(orm);
  const chats = new SqlChatRepository(orm);
  const newUser = () =>
    users.create({ id: randomUUID(), username: `u_${randomBytes(6).toString('hex')}`, displayName: 'U', passwordHash: 'x' });
  return {
    orm,
    users,
    chats,
    async newChat(): Promise<{ chatId: string; senderIds: [string, string] }> {
      const [a, b] = await Promise.all([newUser(), newUser()]);
      const chat = await chats.create({ kind: 'GROUP', title: 'contract', memberIds: [a.id, b.id], directKey: null, ownerId: null });
      return { chatId: chat.id, senderIds: [a.id, b.id] };
    },
    recorded: recordedIn(orm),
    async close() {
      await orm.close();
      await storage.dispose();
    },
  };
};

/** The SQL store on a target; `bookkept` puts it behind the bookkeeping MongoDB is opened behind, to run that on a real engine here. */
const sqlFixture = (target: RelationalTarget, bookkept: boolean) => async (): Promise<MessageStoreFixture> => {
  const relational = await relationalChats(target);
  const sql = new SqlMessageStore(relational.orm);
  return {
    store: bookkept ? new BookkeepingMessageStore(sql, relational.chats, relational.users) : sql,
    reporting: new SqlReporting(relational.orm),
    newChat: relational.newChat,
    checksReferences: true,
    searchesPrefixes: true,
    recorded: relational.recorded,
    close: relational.close,
  };
};

for (const target of relationalTargets) messageStoreContract(`sql on ${target.name}`, sqlFixture(target, false));
messageStoreContract('bookkeeping over sql on pglite', sqlFixture(pgliteTarget, true));

// No MongoDB can run on the project's machines: the contract runs wherever MONGO_URL points at one.
const mongoUrl = process.env.MONGO_URL?.trim();
if (mongoUrl) {
  /** A MongoDB database of its own per run, so runs never see each other's seqs or clientIds; dropped at close. */
  const mongoDatabase = async () => {
    const dbName = `parley_test_${randomBytes(6).toString('hex')}`;
    const store = await MongoMessageStore.open({ url: mongoUrl, dbName });
    return {
      store,
      async drop() {
        await store.close();
        const client = new MongoClient(mongoUrl, mongoClientOptions(mongoUrl));
        try {
          await client.db(dbName).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  };

  messageStoreContract('mongodb', async () => {
    const { store, drop } = await mongoDatabase();
    return {
      store,
      reporting: new MongoReporting(store.collection, async () => {}),
      // MongoDB holds no users or chats, and checks no references: fresh ids are enough.
      newChat: async () => ({ chatId: randomUUID(), senderIds: [randomUUID(), randomUUID()] }),
      checksReferences: false,
      searchesPrefixes: false,
      close: drop,
    };
  });

  // As openMessageStore opens MongoDB: behind the bookkeeping, with chats and users in a relational database.
  messageStoreContract('bookkeeping over mongodb, chats on pglite', async () => {
    const mongo = await mongoDatabase();
    const relational = await relationalChats(pgliteTarget);
    return {
      store: new BookkeepingMessageStore(mongo.store, relational.chats, relational.users),
      reporting: new MongoReporting(mongo.store.collection, async () => {}),
      newChat: relational.newChat,
      checksReferences: true,
      searchesPrefixes: false,
      recorded: relational.recorded,
      async close() {
        await mongo.drop();
        await relational.close();
      },
    };
  });

  describe('mongodb store opened over a database of an earlier version', () => {
    it('replaces the (senderId, clientId) index with (senderId, chatId, clientId), at every start without failing', async () => {
      const dbName = `parley_test_${randomBytes(6).toString('hex')}`;
      const client = new MongoClient(mongoUrl, mongoClientOptions(mongoUrl));
      try {
        const messages = client.db(dbName).collection('messages');
        // As an earlier Parley left it: the old unique index, and a message under it.
        await messages.createIndex({ senderId: 1, clientId: 1 }, { name: 'sender_client', unique: true, partialFilterExpression: { clientId: { $type: 'string' } } });
        const [sender, chatA, chatB] = [randomUUID(), randomUUID(), randomUUID()];
        await messages.insertOne({ _id: randomUUID() as never, chatId: chatA, seq: 1, senderId: sender, body: 'old', clientId: '1', createdAt: new Date() });

        for (let start = 0; start < 2; start++) {
          const store = await MongoMessageStore.open({ url: mongoUrl, dbName });
          await store.close();
        }
        const names = (await messages.listIndexes().toArray()).map((index) => index.name);
        expect(names).toContain('sender_chat_client');
        expect(names).not.toContain('sender_client');

        const store = await MongoMessageStore.open({ url: mongoUrl, dbName });
        try {
          const { written } = await store.append([
            { id: randomUUID(), chatId: chatB, kind: 'TEXT', senderId: sender, subjectId: null, body: 'same clientId, other chat', clientId: '1', replyToId: null, createdAt: new Date() },
          ]);
          expect(written.map((m) => [m.chatId, m.seq])).toEqual([[chatB, 1]]);
        } finally {
          await store.close();
        }
      } finally {
        await client.db(dbName).dropDatabase().catch(() => undefined);
        await client.close();
      }
    });
  });
} else {
  describe.skip('mongo adapter: skipped, MONGO_URL is not set', () => it.skip('contract'));
}
