import { randomUUID } from 'node:crypto';
import { storedMessage } from '../support/stored-message.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/domain/models.js';
import { SqlMessageStore } from '../../src/message-store/sql-message-store.js';
import { openRelational } from '../../src/relational/orm.js';
import { TestServer } from '../support/server.js';
import { relationalTargets } from '../support/targets.js';
import { directChat, send, signup } from '../support/users.js';

const CHAT = `query ($c: ID!) { chat(id: $c) { lastMessage { id seq body } unreadCount } }`;

/**
 * With the in-process log, a process that dies between storing messages and
 * recording the chat's activity gets no redelivery: the next start must
 * notice the store is ahead of the chat and record it.
 */
describe.each(relationalTargets)('start-up repair of chat activity on $name', (target) => {
  let storage: Awaited<ReturnType<typeof target.provision>>;
  beforeAll(async () => {
    storage = await target.provision();
  });
  afterAll(async () => {
    await storage?.dispose();
  });

  it('records lastSeq and the last message of messages stored but never recorded', async () => {
    let server = await TestServer.attach(storage);
    const ada = await signup(server);
    const bob = await signup(server);
    const chatId = await directChat(server, ada, bob);
    await send(server, ada, chatId, 'recorded');
    const untouched = await directChat(server, ada, await signup(server));
    await send(server, ada, untouched, 'nothing to repair here');
    await server.stop();

    // What the dead process left: two more messages in the store, the chat's row untouched.
    const orm = await openRelational(storage);
    const lost: Message[] = [2, 3].map((seq) =>
      storedMessage({
        id: randomUUID(),
        chatId,
        seq,
        senderId: bob.id,
        body: `stored, not recorded ${seq}`,
        clientId: randomUUID(),
        createdAt: new Date(Date.now() + seq),
      }),
    );
    try {
      expect(await new SqlMessageStore(orm).insertMany(lost)).toBe(2);
    } finally {
      await orm.close();
    }

    server = await TestServer.attach(storage);
    try {
      const seen = await server.ok(CHAT, { c: chatId }, ada.token);
      expect(seen.chat).toEqual({ lastMessage: { id: lost[1].id, seq: 3, body: 'stored, not recorded 3' }, unreadCount: 2 });
      // The sender of the last one has read up to it.
      expect((await server.ok(CHAT, { c: chatId }, bob.token)).chat.unreadCount).toBe(0);
      expect((await server.ok(CHAT, { c: untouched }, ada.token)).chat.lastMessage).toMatchObject({ seq: 1, body: 'nothing to repair here' });
      // And sending carries on after them.
      await send(server, ada, chatId, 'after the repair');
      expect((await server.ok(CHAT, { c: chatId }, ada.token)).chat.lastMessage).toMatchObject({ seq: 4, body: 'after the repair' });
    } finally {
      await server.stop();
    }
  });
});
