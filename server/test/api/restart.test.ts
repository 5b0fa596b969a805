import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeMessages, TestServer } from '../support/server.js';
import { relationalTargets } from '../support/targets.js';
import { directChat, send, signup, type TestUser } from '../support/users.js';

describe.each(relationalTargets)('restart on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start(target);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps users, chats, messages and read positions across a restart; tokens stay valid', async () => {
    const ada = await signup(server);
    const bob = await signup(server);
    const chatId = await directChat(server, ada, bob);
    for (let i = 1; i <= 5; i++) await send(server, ada, chatId, `before restart ${i}`);
    await server.ok(`mutation ($c: ID!) { markRead(chatId: $c, seq: 2) { id } }`, { c: chatId }, bob.token);

    await server.restart();

    const view = `query ($c: ID!) { chat(id: $c) { lastSeq unreadCount lastMessage { body } } messages(chatId: $c, last: 10) { edges { node { seq body } } } }`;
    const data = await server.ok(view, { c: chatId }, bob.token);
    expect(data.chat).toEqual({ lastSeq: 5, unreadCount: 3, lastMessage: { body: 'before restart 5' } });
    expect(data.messages.edges.map((e: any) => e.node.seq)).toEqual([1, 2, 3, 4, 5]);

    const login = await server.ok(`mutation ($u: String!) { login(username: $u, password: "correct horse battery") { user { id } } }`, { u: ada.username });
    expect(login.login.user.id).toBe(ada.id);
    // Seq continues where it stopped: the persister rebuilt its position from the store.
    await send(server, ada, chatId, 'after restart');
    expect((await server.ok(view, { c: chatId }, bob.token)).chat.lastSeq).toBe(6);
  });

  it('shutting down finishes in-flight sends: every accepted send is stored', async () => {
    const ada: TestUser = await signup(server);
    const bob: TestUser = await signup(server);
    const chatId = await directChat(server, ada, bob);
    const sends = Array.from({ length: 40 }, (_, i) => send(server, ada, chatId, `in flight ${i}`).then(
      (r) => r.messageId,
      () => null,
    ));
    await new Promise((r) => setTimeout(r, 5));
    await server.restart();
    const accepted = (await Promise.all(sends)).filter((id): id is string => id !== null);

    const ws = server.wsClient(bob.token);
    const sub = subscribeMessages(ws, chatId, 0);
    try {
      const lastSeq = (await server.ok(`query ($c: ID!) { chat(id: $c) { lastSeq } }`, { c: chatId }, bob.token)).chat.lastSeq;
      const stored = lastSeq === 0 ? [] : await sub.waitFor(lastSeq);
      expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
      for (const id of accepted) expect(stored.map((m) => m.id)).toContain(id);
    } finally {
      sub.close();
      await ws.dispose();
    }
  });
});
