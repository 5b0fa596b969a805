import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'vitest';
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

// The MongoDB adapter runs the same contract once MONGO_URL points at a server.
if (!process.env.MONGO_URL) describe.skip('mongo adapter: skipped, MONGO_URL is not set', () => it.skip('contract'));
