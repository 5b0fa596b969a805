import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatEventsOf, type ChatEventData } from '../support/chat-events.js';
import { instancePairForSuite } from '../support/instance-pair.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { codeOf, TestServer } from '../support/server.js';
import { deploymentSetups, postgresTarget, relationalTargets } from '../support/targets.js';
import { until } from '../support/until.js';
import { send, signup, type TestUser } from '../support/users.js';

/** One second: tests wait for the timeout to run out. */
const TYPING = { TYPING_TIMEOUT: '1s' };
const SET_TYPING = `mutation ($c: ID!, $t: Boolean!) { setTyping(chatId: $c, typing: $t) }`;

const setups = deploymentSetups(REDIS_URL, redisSkipReason);

const typingOf = (events: ChatEventData[]) => events.filter((e) => e.__typename === 'TypingChanged').map((e) => `${e.user!.id}:${e.typing}`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function groupOf(server: TestServer, owner: TestUser, members: TestUser[]): Promise<string> {
  const data = await server.ok(`mutation ($m: [ID!]!) { createGroupChat(title: "typing", memberIds: $m) { id } }`, { m: members.map((m) => m.id) }, owner.token);
  return data.createGroupChat.id;
}

for (const { name, target, env } of setups) {
  describe(`typing on ${name}`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await TestServer.start(target, { ...env, ...TYPING });
    });
    afterAll(async () => server?.stop());

    /** Ada watches the chat's events; the returned function tells bob's typing to the server. */
    async function watching() {
      const [ada, bob] = [await signup(server), await signup(server)];
      const chatId = await groupOf(server, ada, [bob]);
      const { chat } = await server.ok(`query ($c: ID!) { chat(id: $c) { eventCursor } }`, { c: chatId }, ada.token);
      const ws = server.wsClient(ada.token);
      const events = chatEventsOf(ws, chatId, chat.eventCursor);
      // Live once a message sent now arrives.
      await send(server, ada, chatId, 'watching');
      await events.waitFor(1);
      const typing = (value: boolean, user = bob) => server.ok(SET_TYPING, { c: chatId, t: value }, user.token);
      return { ada, bob, chatId, events, typing, close: async () => (events.close(), await ws.dispose()) };
    }

    it('shows a member typing to the others, never to themselves, and drops repeats within a second', async () => {
      const w = await watching();
      try {
        for (let i = 0; i < 5; i++) await w.typing(true);
        await w.typing(true, w.ada);
        await until(() => typingOf(w.events.events).length > 0);
        await w.typing(false);
        await until(() => typingOf(w.events.events).length > 1);
        expect(typingOf(w.events.events)).toEqual([`${w.bob.id}:true`, `${w.bob.id}:false`]);
      } finally {
        await w.close();
      }
    });

    it('stops showing someone whose typing was not renewed within the timeout, and at once when they send', async () => {
      const w = await watching();
      try {
        await w.typing(true);
        await until(() => typingOf(w.events.events).length === 1);
        const started = Date.now();
        await until(() => typingOf(w.events.events).length === 2, 5000);
        expect(Date.now() - started).toBeGreaterThanOrEqual(800);
        await pause(1100); // past the throttle: the next start is news again
        await w.typing(true);
        await until(() => typingOf(w.events.events).length === 3);
        await send(server, w.bob, w.chatId, 'done typing');
        await until(() => w.events.events.some((e) => e.message?.body === 'done typing'));
        const tail = w.events.events.slice(-2).map((e) => (e.__typename === 'TypingChanged' ? `typing ${e.typing}` : e.message!.body));
        expect(tail).toEqual(['typing false', 'done typing']);
      } finally {
        await w.close();
      }
    });

    it('stops at once when the typist’s last socket closes', async () => {
      const w = await watching();
      const bobWs = server.wsClient(w.bob.token, { lazy: false });
      try {
        await new Promise<void>((resolve, reject) =>
          bobWs.subscribe({ query: SET_TYPING, variables: { c: w.chatId, t: true } }, { next: () => resolve(), error: reject, complete: () => undefined }),
        );
        await until(() => typingOf(w.events.events).length === 1);
        const closed = Date.now();
        await bobWs.dispose();
        await until(() => typingOf(w.events.events).length === 2, 5000);
        // Well before the one-second timeout would have ended it.
        expect(Date.now() - closed).toBeLessThan(800);
      } finally {
        await w.close();
      }
    });

    it('is for members only, and never replayed on resume', async () => {
      const w = await watching();
      const eve = await signup(server);
      try {
        expect(codeOf(await server.gql(SET_TYPING, { c: w.chatId, t: true }, eve.token))).toBe('FORBIDDEN');
        await w.typing(true);
        await until(() => typingOf(w.events.events).length === 1);
        const resumed = chatEventsOf(server.wsClient(w.ada.token), w.chatId, w.events.events[0].cursor);
        await send(server, w.ada, w.chatId, 'after');
        await resumed.waitFor(1);
        await pause(200);
        expect(resumed.events.map((e) => e.__typename)).toEqual(['MessageAdded']);
        resumed.close();
      } finally {
        await w.close();
      }
    });
  });
}

const canRunPair = !redisSkipReason && relationalTargets.includes(postgresTarget);
(canRunPair ? describe : describe.skip)('typing across two instances (PostgreSQL + Redis)', () => {
  const pair = instancePairForSuite({ REDIS_URL, ...TYPING });

  it('reaches a member watching on the other instance, throttled there too', async () => {
    const { a, b } = pair;
    const [ada, bob] = [await signup(a), await signup(a)];
    const chatId = await groupOf(a, ada, [bob]);
    const { chat } = await b.ok(`query ($c: ID!) { chat(id: $c) { eventCursor } }`, { c: chatId }, ada.token);
    const ws = b.wsClient(ada.token);
    const events = chatEventsOf(ws, chatId, chat.eventCursor);
    try {
      await send(a, ada, chatId, 'watching');
      await events.waitFor(1);
      for (let i = 0; i < 3; i++) await a.ok(SET_TYPING, { c: chatId, t: true }, bob.token);
      await until(() => typingOf(events.events).length === 1);
      await a.ok(SET_TYPING, { c: chatId, t: false }, bob.token);
      await until(() => typingOf(events.events).length === 2);
      expect(typingOf(events.events)).toEqual([`${bob.id}:true`, `${bob.id}:false`]);
    } finally {
      events.close();
      await ws.dispose();
    }
  });
});
