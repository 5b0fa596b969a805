import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announcement, ChatOutbox } from '../../src/domain/chat-outbox.js';
import type { MessageEnvelope } from '../../src/event-log/port.js';
import { SqlChatRepository } from '../../src/relational/chat-repository.js';
import { migrate, openRelational, type RelationalOrm } from '../../src/relational/orm.js';
import { SqlUserRepository } from '../../src/relational/user-repository.js';
import { silentLogger } from '../../src/observability/log.js';
import { relationalTargets } from '../support/targets.js';

describe.each(relationalTargets)('chat outbox on $name', (target) => {
  let storage: Awaited<ReturnType<typeof target.provision>>;
  let orm: RelationalOrm;
  let chats: SqlChatRepository;
  beforeAll(async () => {
    storage = await target.provision();
    orm = await openRelational(storage);
    await migrate(orm);
    chats = new SqlChatRepository(orm);
  });
  afterAll(async () => {
    await orm?.close();
    await storage?.dispose();
  });

  async function groupWithAnnouncement() {
    const users = new SqlUserRepository(orm);
    const [ada, bob] = await Promise.all(['a', 'b'].map((n) => users.create({ id: randomUUID(), username: `${n}_${randomUUID().slice(0, 8)}`, displayName: n, passwordHash: 'x' })));
    const chat = await chats.create({ kind: 'GROUP', title: 'g', memberIds: [ada.id], directKey: null, ownerId: ada.id });
    const envelope = announcement(chat.id, ada.id, 'MEMBER_JOINED', bob.id);
    await chats.changeGroup(chat.id, () => ({ add: [bob.id], announce: [envelope] }));
    return { chatId: chat.id, envelope };
  }

  it('keeps a change’s announcement with it, and leaves a young one to the instance that wrote it', async () => {
    const { chatId, envelope } = await groupWithAnnouncement();
    expect(await chats.pendingAnnouncements(chatId, 10)).toEqual([envelope]);
    // The drain on another instance looks only at rows older than an interval: this one is being appended.
    expect(await chats.pendingAnnouncements(null, 10, new Date(Date.now() - 60_000))).not.toContainEqual(envelope);
    expect(await chats.pendingAnnouncements(null, 1000, new Date(Date.now() + 1000))).toContainEqual(envelope);
  });

  it('appends a chat’s announcements to the log and forgets them; a rejected one is forgotten too', async () => {
    const { chatId, envelope } = await groupWithAnnouncement();
    const appended: MessageEnvelope[] = [];
    const outbox = new ChatOutbox(chats, { append: async (e) => void appended.push(e) }, silentLogger);
    await outbox.flush(chatId);
    expect(appended).toEqual([envelope]);
    expect(await chats.pendingAnnouncements(chatId, 10)).toEqual([]);
    // A log that is down keeps the row for the drain.
    const second = await groupWithAnnouncement();
    const down = new ChatOutbox(chats, { append: async () => Promise.reject(new Error('log down')) }, silentLogger);
    await expect(down.flush(second.chatId)).rejects.toThrow('log down');
    expect(await chats.pendingAnnouncements(second.chatId, 10)).toEqual([second.envelope]);
  });
});
