import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, TestServer } from '../support/server.js';
import { relationalTargets } from '../support/targets.js';
import { directChat, signup, type TestUser } from '../support/users.js';

const SEND = `mutation ($c: ID!, $b: String!) { sendMessage(chatId: $c, body: $b) { messageId } }`;
const HISTORY = `query ($c: ID!) { messages(chatId: $c, first: 100) { edges { node { seq body } } } }`;

/**
 * Sends that arrive together share one group-commit batch. A body the store
 * can never hold (a NUL, which PostgreSQL refuses) must fail only its own
 * send, whether it is refused at the edge or by the store.
 */
describe.each(relationalTargets)('one bad message among concurrent sends on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start(target);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('fails only its own send: the others in its batch are stored and answered', async () => {
    const senders: TestUser[] = await Promise.all(Array.from({ length: 10 }, () => signup(server)));
    const host = await signup(server);
    const chats = await Promise.all(senders.map((s) => directChat(server, s, host)));
    const sends = senders.flatMap((sender, i) => Array.from({ length: 8 }, (_, n) => ({ sender, chatId: chats[i], body: `from ${i} #${n}` })));
    const bad = { sender: senders[3], chatId: chats[3], body: 'null \u0000 byte' };
    sends.splice(40, 0, bad);

    const answers = await Promise.all(sends.map((s) => server.gql(SEND, { c: s.chatId, b: s.body }, s.sender.token)));
    const failed = answers.flatMap((answer, i) => (answer.errors ? [{ body: sends[i].body, code: codeOf(answer) }] : []));
    expect(failed).toEqual([{ body: bad.body, code: 'BAD_USER_INPUT' }]);

    for (const [i, chatId] of chats.entries()) {
      const history = await server.ok(HISTORY, { c: chatId }, host.token);
      const stored = history.messages.edges.map((e: { node: { seq: number; body: string } }) => e.node);
      // Concurrent requests reach the server in any order: what matters is every one stored, seqs 1..8.
      expect(stored.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(stored.map((m: { body: string }) => m.body).sort()).toEqual(Array.from({ length: 8 }, (_, n) => `from ${i} #${n}`));
    }
  });
});
