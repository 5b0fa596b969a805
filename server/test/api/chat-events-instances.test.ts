import { afterAll, beforeAll, expect, it, describe } from 'vitest';
import { chatEventsOf, ChatReplica } from '../support/chat-events.js';
import { instancePairForSuite } from '../support/instance-pair.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import type { TestServer } from '../support/server.js';
import { postgresTarget, relationalTargets } from '../support/targets.js';
import { until } from '../support/until.js';
import { send, signup } from '../support/users.js';

const canRun = !redisSkipReason && relationalTargets.includes(postgresTarget);
const suite = canRun ? describe : describe.skip;
if (!canRun) console.warn('SKIPPED chat events across instances: it needs the machine PostgreSQL and Redis');

suite('chat events across two API instances (PostgreSQL + Redis)', () => {
  const pair = instancePairForSuite({ REDIS_URL });

  it('brings changes made on one instance to a subscriber on the other in order, and a subscriber that resumes there ends in the same state', async () => {
    const { a, b } = pair;
    const [ada, bob, cat] = [await signup(a), await signup(a), await signup(a)];
    const chatId: string = (await a.ok(`mutation ($m: [ID!]!) { createGroupChat(title: "two", memberIds: $m) { id } }`, { m: [bob.id, cat.id] }, ada.token)).createGroupChat
      .id;
    const first = await send(a, ada, chatId, 'first');
    const read = async () =>
      b.ok(`query ($c: ID!) { chat(id: $c) { eventCursor } messages(chatId: $c, last: 100) { edges { node { id seq kind body editedAt deletedAt } } } }`, { c: chatId }, bob.token);
    const start = await read();
    const stayedReplica = new ChatReplica(start.messages.edges.map((e: { node: never }) => e.node));
    const resumedReplica = new ChatReplica(start.messages.edges.map((e: { node: never }) => e.node));
    const [stayWs, dropWs] = [b.wsClient(bob.token), b.wsClient(bob.token)];
    const stayed = chatEventsOf(stayWs, chatId, start.chat.eventCursor);
    let dropped = chatEventsOf(dropWs, chatId, start.chat.eventCursor);
    try {
      await a.ok(`mutation ($m: ID!) { editMessage(messageId: $m, body: "first, edited") { id } }`, { m: first.messageId }, ada.token);
      const second = await send(a, bob, chatId, 'second');
      await dropped.waitFor(2);
      // The socket goes away mid-stream; the client keeps the cursor of the last event it applied.
      dropped.close();
      await dropWs.dispose();
      const kept = dropped.events.slice(0, 2);
      resumedReplica.applyAll(kept);

      await a.ok(`mutation ($m: ID!) { deleteMessage(messageId: $m) { id } }`, { m: second.messageId }, bob.token);
      await a.ok(`mutation ($c: ID!) { renameChat(chatId: $c, title: "renamed on a") { id } }`, { c: chatId }, ada.token);
      await a.ok(`mutation ($c: ID!, $u: ID!) { removeMember(chatId: $c, userId: $u) { id } }`, { c: chatId, u: cat.id }, ada.token);
      await send(a, ada, chatId, 'last');

      const kinds = ['MessageEdited', 'MessageAdded', 'MessageDeleted', 'MessageAdded', 'ChatChanged', 'MessageAdded', 'ChatChanged', 'MessageAdded'];
      const events = await stayed.waitFor(kinds.length);
      expect(events.map((e) => e.__typename)).toEqual(kinds);
      expect(events.filter((e) => e.message).map((e) => e.message!.seq)).toEqual([1, 2, 2, 3, 4, 5]);
      stayedReplica.applyAll(events);

      const resumeWs = b.wsClient(bob.token);
      dropped = chatEventsOf(resumeWs, chatId, kept[1].cursor);
      try {
        await until(() => resumedReplica.wouldMatch(dropped.events, stayedReplica));
        expect(resumedReplica.applyAll(dropped.events).state()).toEqual(stayedReplica.state());
        expect(stayedReplica.state()).toMatchObject({
          title: 'renamed on a',
          messages: [
            { seq: 1, body: 'first, edited', edited: true },
            { seq: 2, body: '', deleted: true },
            { seq: 3, kind: 'CHAT_RENAMED' },
            { seq: 4, kind: 'MEMBER_REMOVED' },
            { seq: 5, body: 'last' },
          ],
        });
      } finally {
        dropped.close();
        await resumeWs.dispose();
      }
    } finally {
      stayed.close();
      await stayWs.dispose();
    }
  });
});
