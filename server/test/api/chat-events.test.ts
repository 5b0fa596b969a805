import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, subscribeMessages, TestServer } from '../support/server.js';
import { deploymentSetups } from '../support/targets.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { send, signup, type TestUser } from '../support/users.js';
import { until } from '../support/until.js';
import { chatEventsOf, ChatReplica } from '../support/chat-events.js';

const setups = deploymentSetups(REDIS_URL, redisSkipReason);

const MESSAGE_FIELDS = 'id seq kind body clientId editedAt deletedAt sender { id } subject { id } replyTo { id body deletedAt }';

for (const { name, target, env } of setups) {
  describe(`chat events and group changes on ${name}`, () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await TestServer.start(target, env);
    });
    afterAll(async () => server?.stop());

    const group = async (owner: TestUser, members: TestUser[], title = 'g') =>
      (await server.ok(`mutation ($t: String!, $m: [ID!]!) { createGroupChat(title: $t, memberIds: $m) { id } }`, { t: title, m: members.map((m) => m.id) }, owner.token))
        .createGroupChat.id as string;
    const history = async (user: TestUser, chatId: string) =>
      (await server.ok(`query ($c: ID!) { messages(chatId: $c, last: 100) { edges { node { ${MESSAGE_FIELDS} } } } }`, { c: chatId }, user.token)).messages.edges.map(
        (e: { node: unknown }) => e.node,
      ) as any[];
    const chat = async (user: TestUser, chatId: string) =>
      (await server.ok(`query ($c: ID!) { chat(id: $c) { title unreadCount eventCursor owner { id } members { id } } }`, { c: chatId }, user.token)).chat;
    const edit = (user: TestUser, messageId: string, body: string) =>
      server.gql(`mutation ($m: ID!, $b: String!) { editMessage(messageId: $m, body: $b) { id body editedAt } }`, { m: messageId, b: body }, user.token);
    const remove = (user: TestUser, messageId: string) =>
      server.gql(`mutation ($m: ID!) { deleteMessage(messageId: $m) { id body deletedAt } }`, { m: messageId }, user.token);
    const mutate = (user: TestUser, mutation: string, variables: Record<string, unknown>) => server.gql(mutation, variables, user.token);
    const ADD = `mutation ($c: ID!, $u: [ID!]!) { addMembers(chatId: $c, userIds: $u) { id members { id } } }`;
    const REMOVE = `mutation ($c: ID!, $u: ID!) { removeMember(chatId: $c, userId: $u) { id members { id } } }`;
    const RENAME = `mutation ($c: ID!, $t: String!) { renameChat(chatId: $c, title: $t) { id title } }`;
    const LEAVE = `mutation ($c: ID!) { leaveChat(chatId: $c) }`;

    it('lets the sender edit a text message, and no one else', async () => {
      const [ada, bob, eve] = [await signup(server), await signup(server), await signup(server)];
      const chatId = await group(ada, [bob]);
      const { messageId } = await send(server, ada, chatId, 'frist');
      const edited = await edit(ada, messageId, 'first');
      expect(edited.data.editMessage).toMatchObject({ id: messageId, body: 'first' });
      expect(edited.data.editMessage.editedAt).toBeTruthy();
      expect(await history(bob, chatId)).toMatchObject([{ id: messageId, body: 'first', kind: 'TEXT', deletedAt: null }]);
      expect((await history(bob, chatId))[0].editedAt).toBeTruthy();
      expect(codeOf(await edit(bob, messageId, 'mine now'))).toBe('FORBIDDEN');
      // Someone outside the chat is not told the message exists.
      expect(codeOf(await edit(eve, messageId, 'hello?'))).toBe('NOT_FOUND');
      expect(codeOf(await edit(ada, messageId, 'x'.repeat(4001)))).toBe('BAD_USER_INPUT');
      expect(codeOf(await edit(ada, messageId, '   '))).toBe('BAD_USER_INPUT');
      expect(codeOf(await edit(ada, '00000000-0000-4000-8000-000000000000', 'gone'))).toBe('NOT_FOUND');
      expect(codeOf(await edit(ada, 'not-an-id', 'gone'))).toBe('BAD_USER_INPUT');
    });

    it('deletes for the sender or the group’s owner: the seq stays, the body reads "" everywhere, and it cannot be edited again', async () => {
      const [ada, bob, cat] = [await signup(server), await signup(server), await signup(server)];
      const chatId = await group(ada, [bob, cat]);
      const own = await send(server, bob, chatId, 'bob regrets this');
      const others = await send(server, cat, chatId, 'cat wrote this');
      const reply = await server.ok(
        `mutation ($c: ID!, $r: ID!) { sendMessage(chatId: $c, body: "replying", replyToId: $r) { messageId } }`,
        { c: chatId, r: own.messageId },
        ada.token,
      );
      expect(codeOf(await remove(bob, others.messageId))).toBe('FORBIDDEN');
      expect((await remove(bob, own.messageId)).data.deleteMessage).toMatchObject({ id: own.messageId, body: '' });
      expect((await remove(bob, own.messageId)).data.deleteMessage).toMatchObject({ id: own.messageId, body: '' });
      // The owner may delete anyone's text message.
      expect((await remove(ada, others.messageId)).data.deleteMessage).toMatchObject({ body: '' });
      expect(codeOf(await edit(bob, own.messageId, 'take two'))).toBe('CONFLICT');
      const messages = await history(cat, chatId);
      expect(messages.map((m) => [m.seq, m.body])).toEqual([
        [1, ''],
        [2, ''],
        [3, 'replying'],
      ]);
      expect(messages[0].deletedAt).toBeTruthy();
      // A reply to a deleted message still shows what it replied to, as deleted.
      expect(messages[2].replyTo).toMatchObject({ id: own.messageId, body: '' });
      expect(messages[2].replyTo.deletedAt).toBeTruthy();
      expect(reply.sendMessage.messageId).toBe(messages[2].id);
    });

    it('refuses a reply to a message of another chat', async () => {
      const [ada, bob] = [await signup(server), await signup(server)];
      const [first, second] = [await group(ada, [bob]), await group(ada, [bob])];
      const elsewhere = await send(server, ada, first, 'in the first chat');
      const result = await server.gql(
        `mutation ($c: ID!, $r: ID!) { sendMessage(chatId: $c, body: "hm", replyToId: $r) { messageId } }`,
        { c: second, r: elsewhere.messageId },
        ada.token,
      );
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
    });

    it('announces every group change with a system message, and system messages never make a chat unread', async () => {
      const [ada, bob, cat] = [await signup(server), await signup(server), await signup(server)];
      const chatId = await group(ada, [bob], 'before');
      await send(server, bob, chatId, 'hello');
      expect((await chat(ada, chatId)).unreadCount).toBe(1);
      await server.ok(`mutation ($c: ID!, $s: Int!) { markRead(chatId: $c, seq: $s) { id } }`, { c: chatId, s: 1 }, ada.token);

      expect((await mutate(bob, ADD, { c: chatId, u: [cat.id] })).data.addMembers.members.map((m: { id: string }) => m.id).sort()).toEqual([ada.id, bob.id, cat.id].sort());
      expect((await mutate(cat, RENAME, { c: chatId, t: 'after' })).data.renameChat.title).toBe('after');
      expect(codeOf(await mutate(bob, REMOVE, { c: chatId, u: cat.id }))).toBe('FORBIDDEN');
      expect(codeOf(await mutate(ada, REMOVE, { c: chatId, u: ada.id }))).toBe('BAD_USER_INPUT');
      expect((await mutate(ada, REMOVE, { c: chatId, u: cat.id })).data.removeMember.members).toHaveLength(2);
      expect(codeOf(await mutate(ada, REMOVE, { c: chatId, u: cat.id }))).toBe('NOT_FOUND');
      // Someone removed can be added back.
      expect((await mutate(bob, ADD, { c: chatId, u: [cat.id] })).data.addMembers.members).toHaveLength(3);
      // Changing the group reads nothing: a rename from the settings leaves bob's unread message unread.
      await send(server, ada, chatId, 'for bob');
      expect((await chat(bob, chatId)).unreadCount).toBe(1);
      await mutate(bob, RENAME, { c: chatId, t: 'renamed by bob' });
      expect((await chat(bob, chatId)).unreadCount).toBe(1);

      const messages = await history(ada, chatId);
      expect(messages.map((m) => [m.kind, m.sender.id, m.subject?.id ?? null, m.body])).toEqual([
        ['TEXT', bob.id, null, 'hello'],
        ['MEMBER_JOINED', bob.id, cat.id, ''],
        ['CHAT_RENAMED', cat.id, null, 'after'],
        ['MEMBER_REMOVED', ada.id, cat.id, ''],
        ['MEMBER_JOINED', bob.id, cat.id, ''],
        ['TEXT', ada.id, null, 'for bob'],
        ['CHAT_RENAMED', bob.id, null, 'renamed by bob'],
      ]);
      expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      // A system message's clientId is the server's own key: not shown.
      expect(messages.filter((m) => m.kind !== 'TEXT').map((m) => m.clientId)).toEqual([null, null, null, null, null]);
      // Ada read the first text message and wrote the second; the system messages leave her at zero.
      expect(await chat(ada, chatId)).toMatchObject({ title: 'renamed by bob', unreadCount: 0 });
      await send(server, cat, chatId, 'back again');
      expect((await chat(ada, chatId)).unreadCount).toBe(1);
      // A newcomer starts with everything so far read.
      expect((await chat(cat, chatId)).unreadCount).toBe(0);
    });

    it('passes ownership to the longest-standing member when the owner leaves, and announces it', async () => {
      const [ada, bob, cat] = [await signup(server), await signup(server), await signup(server)];
      const chatId = await group(ada, [bob]);
      await mutate(ada, ADD, { c: chatId, u: [cat.id] });
      expect((await mutate(ada, LEAVE, { c: chatId })).data.leaveChat).toBe(true);
      expect((await chat(bob, chatId)).owner).toEqual({ id: bob.id });
      expect(codeOf(await mutate(ada, LEAVE, { c: chatId }))).toBe('FORBIDDEN');
      expect((await history(bob, chatId)).at(-1)).toMatchObject({ kind: 'MEMBER_LEFT', sender: { id: ada.id }, subject: { id: ada.id } });
      // The new owner can remove.
      expect((await mutate(bob, REMOVE, { c: chatId, u: cat.id })).data.removeMember.members).toEqual([{ id: bob.id }]);
    });

    it('refuses group changes on a direct chat and to outsiders', async () => {
      const [ada, bob, eve] = [await signup(server), await signup(server), await signup(server)];
      const direct = (await server.ok(`mutation ($u: ID!) { createDirectChat(userId: $u) { id } }`, { u: bob.id }, ada.token)).createDirectChat.id;
      expect(codeOf(await mutate(ada, ADD, { c: direct, u: [eve.id] }))).toBe('BAD_USER_INPUT');
      expect(codeOf(await mutate(ada, RENAME, { c: direct, t: 'ours' }))).toBe('BAD_USER_INPUT');
      expect(codeOf(await mutate(ada, REMOVE, { c: direct, u: bob.id }))).toBe('BAD_USER_INPUT');
      const chatId = await group(ada, [bob]);
      expect(codeOf(await mutate(eve, ADD, { c: chatId, u: [eve.id] }))).toBe('FORBIDDEN');
      expect(codeOf(await mutate(eve, RENAME, { c: chatId, t: 'mine' }))).toBe('FORBIDDEN');
      expect(codeOf(await mutate(ada, ADD, { c: chatId, u: ['00000000-0000-4000-8000-000000000000'] }))).toBe('NOT_FOUND');
      expect(codeOf(await mutate(ada, RENAME, { c: chatId, t: '\u200b' }))).toBe('BAD_USER_INPUT');
    });

    it('delivers every change in order after the eventCursor read with the history, and a resumed subscriber ends where one that stayed did', async () => {
      const [ada, bob, cat] = [await signup(server), await signup(server), await signup(server)];
      const chatId = await group(ada, [bob]);
      await send(server, ada, chatId, 'before anyone watched');
      const { eventCursor } = await chat(bob, chatId);
      const ws = server.wsClient(bob.token);
      const stayed = new ChatReplica(await history(bob, chatId));
      const live = chatEventsOf(ws, chatId, eventCursor);
      const resumed = new ChatReplica(await history(bob, chatId));
      let early = chatEventsOf(ws, chatId, eventCursor);
      try {
        const one = await send(server, ada, chatId, 'one');
        // Both live before the edit: had they started after it, the edit would come folded into its message (one event).
        await Promise.all([early.waitFor(1), live.waitFor(1)]);
        await edit(ada, one.messageId, 'one, edited');
        await early.waitFor(2);
        // The second subscriber goes away here, keeping the cursor of the last event it applied.
        early.close();
        resumed.applyAll(early.events.slice(0, 2));
        const cursor = early.events[1].cursor;

        const two = await send(server, bob, chatId, 'two');
        await mutate(ada, RENAME, { c: chatId, t: 'renamed' });
        await mutate(ada, ADD, { c: chatId, u: [cat.id] });
        await remove(bob, two.messageId);
        await edit(ada, one.messageId, 'one, edited twice');
        await mutate(ada, REMOVE, { c: chatId, u: cat.id });

        // Added, edited | added, added + changed (rename), added + changed (join), deleted, edited, added + changed (removal).
        const kinds = ['MessageAdded', 'MessageEdited', 'MessageAdded', 'MessageAdded', 'ChatChanged', 'MessageAdded', 'ChatChanged', 'MessageDeleted', 'MessageEdited', 'MessageAdded', 'ChatChanged'];
        const events = await live.waitFor(kinds.length);
        expect(events.map((e) => e.__typename)).toEqual(kinds);
        expect(events.every((e) => e.chatId === chatId)).toBe(true);
        expect(events.filter((e) => e.__typename === 'ChatChanged').map((e) => e.chat!.title)).toEqual(['renamed', 'renamed', 'renamed']);
        stayed.applyAll(events);

        early = chatEventsOf(ws, chatId, cursor);
        await until(() => resumed.wouldMatch(early.events, stayed));
        resumed.applyAll(early.events);
        expect(resumed.state()).toEqual(stayed.state());
        expect(stayed.state().messages.map((m) => [m.seq, m.kind, m.body])).toEqual([
          [1, 'TEXT', 'before anyone watched'],
          [2, 'TEXT', 'one, edited twice'],
          [3, 'TEXT', ''],
          [4, 'CHAT_RENAMED', 'renamed'],
          [5, 'MEMBER_JOINED', ''],
          [6, 'MEMBER_REMOVED', ''],
        ]);
        expect(stayed.state().title).toBe('renamed');
        // Everything stored matches what the events built.
        expect(new ChatReplica(await history(bob, chatId)).state().messages).toEqual(stayed.state().messages);
      } finally {
        live.close();
        early.close();
        await ws.dispose();
      }
    });

    it('starts live from now without a cursor, and refuses a cursor of another chat or a forged one', async () => {
      const [ada, bob] = [await signup(server), await signup(server)];
      const [chatId, other] = [await group(ada, [bob]), await group(ada, [bob])];
      await send(server, ada, chatId, 'old');
      const ws = server.wsClient(bob.token);
      const live = chatEventsOf(ws, chatId);
      try {
        await until(async () => {
          await send(server, ada, chatId, 'new');
          return live.events.length > 0;
        });
        expect(live.events[0].message?.body).toBe('new');
        const { eventCursor } = await chat(bob, other);
        const own = (await chat(bob, chatId)).eventCursor;
        // Another chat's, an edited number, a second spelling of a good one, made up, junk.
        for (const after of [eventCursor, eventCursor.replace(/^e\d+/, 'e1'), own.replace(/^e/, 'e0'), 'e1.AAAAAAAAAAAAAAAA', 'garbage', 'x'.repeat(5000)]) {
          const refused = chatEventsOf(ws, chatId, after);
          expect(await refused.waitForError()).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
          refused.close();
        }
      } finally {
        live.close();
        await ws.dispose();
      }
    });

    it('ends a removed member’s subscriptions with FORBIDDEN at once, and keeps messageAdded working with system messages', async () => {
      const [ada, bob, cat] = [await signup(server), await signup(server), await signup(server)];
      const chatId = await group(ada, [bob, cat]);
      const catWs = server.wsClient(cat.token);
      const bobWs = server.wsClient(bob.token);
      const { eventCursor } = await chat(cat, chatId);
      const events = chatEventsOf(catWs, chatId, eventCursor);
      const messages = subscribeMessages(catWs, chatId, 0);
      const bobs = subscribeMessages(bobWs, chatId, 0);
      try {
        await send(server, ada, chatId, 'hello all');
        await events.waitFor(1);
        await messages.waitFor(1);
        await mutate(ada, REMOVE, { c: chatId, u: cat.id });
        expect(await events.waitForError()).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
        expect(await messages.waitForError()).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
        await send(server, ada, chatId, 'after cat left');
        expect((await bobs.waitFor(3)).map((m) => m.body)).toEqual(['hello all', '', 'after cat left']);
        expect(messages.events.map((m) => m.body)).toEqual(['hello all']);
      } finally {
        for (const s of [events, messages, bobs]) s.close();
        await Promise.all([catWs.dispose(), bobWs.dispose()]);
      }
    });

    it('computes per-viewer fields per viewer, even where executions are shared', async () => {
      const [ada, bob] = [await signup(server), await signup(server)];
      const chatId = await group(ada, [bob]);
      await send(server, ada, chatId, 'unread for bob');
      const [adaWs, bobWs] = [server.wsClient(ada.token), server.wsClient(bob.token)];
      const [{ eventCursor }] = [await chat(ada, chatId)];
      const watching = [chatEventsOf(adaWs, chatId, eventCursor), chatEventsOf(bobWs, chatId, eventCursor)];
      try {
        await mutate(ada, RENAME, { c: chatId, t: 'shared' });
        const [forAda, forBob] = await Promise.all(watching.map((w) => w.waitFor(2)));
        expect(forAda[1].chat).toMatchObject({ title: 'shared', unreadCount: 0 });
        expect(forBob[1].chat).toMatchObject({ title: 'shared', unreadCount: 1 });
      } finally {
        for (const w of watching) w.close();
        await Promise.all([adaWs.dispose(), bobWs.dispose()]);
      }
    });
  });
}

