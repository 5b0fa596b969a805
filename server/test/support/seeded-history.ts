import { randomBytes, randomUUID } from 'node:crypto';
import type { Message } from '../../src/domain/models.js';
import { SqlMessageStore } from '../../src/message-store/sql-message-store.js';
import { SqlChatRepository } from '../../src/relational/chat-repository.js';
import { storedMessage } from './stored-message.js';
import type { RelationalOrm } from '../../src/relational/orm.js';
import { SqlUserRepository } from '../../src/relational/user-repository.js';

/**
 * Users, chats and messages written straight through the repositories and the
 * store, so messages carry the createdAt a test chooses (the API stamps now).
 */
export class SeededHistory {
  readonly users: SqlUserRepository;
  readonly chats: SqlChatRepository;
  readonly store: SqlMessageStore;
  private readonly seqs = new Map<string, number>();

  constructor(orm: RelationalOrm) {
    this.users = new SqlUserRepository(orm);
    this.chats = new SqlChatRepository(orm);
    this.store = new SqlMessageStore(orm);
  }

  async user(passwordHash = 'not a hash'): Promise<string> {
    const user = await this.users.create({ id: randomUUID(), username: `u_${randomBytes(6).toString('hex')}`, displayName: 'U', passwordHash });
    return user.id;
  }

  async group(memberIds: string[]): Promise<string> {
    return (await this.chats.create({ kind: 'GROUP', title: 'seeded', memberIds, directKey: null, ownerId: memberIds[0] ?? null })).id;
  }

  /** Messages at the given instants, numbered on from the chat's last seeded seq. */
  async messages(chatId: string, sends: [senderId: string, at: string][]): Promise<Message[]> {
    let seq = this.seqs.get(chatId) ?? 0;
    const messages = sends.map(([senderId, at]) =>
      storedMessage({
        id: randomUUID(),
        chatId,
        seq: ++seq,
        senderId,
        body: `sent at ${at}`,
        clientId: randomUUID(),
        createdAt: new Date(at),
      }),
    );
    if ((await this.store.insertMany(messages)) !== messages.length) throw new Error('seeding collided with a stored message');
    this.seqs.set(chatId, seq);
    return messages;
  }
}
