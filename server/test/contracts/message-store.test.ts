import { randomBytes, randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { describe, it } from 'vitest';
import { MongoMessageStore } from '../../src/message-store/mongo-message-store.js';
import { mongoClientOptions } from '../../src/message-store/mongo-url.js';
import { SqlMessageStore } from '../../src/message-store/sql-message-store.js';
import { SqlChatRepository } from '../../src/relational/chat-repository.js';
import { migrate, openRelational } from '../../src/relational/orm.js';
import { SqlUserRepository } from '../../src/relational/user-repository.js';
import { relationalTargets } from '../support/targets.js';
import { messageStoreContract } from './message-store.contract.js';

for (const target of relationalTargets) {
  messageStoreContract(`sql on ${target.name}`, async () => {
    const storage = await target.provision();
    const orm = await openRelational(storage);
    await migrate(orm);
    const users = new SqlUserRepository(orm);
    const chats = new SqlChatRepository(orm);
    const newUser = () =>
      users.create({ id: randomUUID(), username: `u_${randomBytes(6).toString('hex')}`, displayName: 'U', passwordHash: 'x' });
    return {
      store: new SqlMessageStore(orm),
      async newChat() {
        const [a, b] = await Promise.all([newUser(), newUser()]);
        const chat = await chats.create({ kind: 'GROUP', title: 'contract', memberIds: [a.id, b.id], directKey: null });
        return { chatId: chat.id, senderIds: [a.id, b.id] };
      },
      async close() {
        await orm.close();
        await storage.dispose();
      },
    };
  });
}

// No MongoDB can run on the project's machines: the contract runs wherever MONGO_URL points at one.
const mongoUrl = process.env.MONGO_URL?.trim();
if (mongoUrl) {
  messageStoreContract('mongodb', async () => {
    // A database of its own per run, so runs never see each other's seqs or clientIds.
    const dbName = `parley_test_${randomBytes(6).toString('hex')}`;
    const store = await MongoMessageStore.open({ url: mongoUrl, dbName });
    return {
      store,
      // MongoDB holds no users or chats, and checks no references: fresh ids are enough.
      newChat: async () => ({ chatId: randomUUID(), senderIds: [randomUUID(), randomUUID()] }),
      async close() {
        await store.close();
        const client = new MongoClient(mongoUrl, mongoClientOptions(mongoUrl));
        try {
          await client.db(dbName).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  });
} else {
  describe.skip('mongo adapter: skipped, MONGO_URL is not set', () => it.skip('contract'));
}
