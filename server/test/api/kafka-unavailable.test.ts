import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';
import { refusingBroker, silentBroker, type UnreachableKafka } from '../support/unreachable-kafka.js';
import { directChat, signup, type TestUser } from '../support/users.js';

/** The product promise: a send Kafka cannot take is answered UNAVAILABLE within 5 s. */
const ANSWER_WITHIN_MS = 5_500;

const SEND = `mutation ($c: ID!, $b: String!, $k: String) { sendMessage(chatId: $c, body: $b, clientId: $k) { messageId } }`;

for (const [name, broker] of [
  ['refuses connections', refusingBroker],
  ['accepts connections but never answers', silentBroker],
] as const) {
  describe(`Kafka that ${name}`, () => {
    let kafka: UnreachableKafka;
    let server: TestServer;
    let ada: TestUser;
    let bob: TestUser;
    let chatId: string;

    beforeAll(async () => {
      kafka = await broker();
      // Start-up does not wait for Kafka: the API runs and readiness reports the event log.
      server = await TestServer.start(pgliteTarget, { KAFKA_BROKERS: kafka.address });
      [ada, bob] = [await signup(server), await signup(server)];
      chatId = await directChat(server, ada, bob);
    });

    afterAll(async () => {
      const started = Date.now();
      await server?.stop();
      // Shutting down must not wait on a Kafka that is not there.
      expect(Date.now() - started).toBeLessThan(15_000);
      await kafka?.stop();
    });

    it('starts, and /readyz answers 503 with the event log down and the rest up', async () => {
      const started = Date.now();
      const readiness = await server.readiness();
      expect(Date.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
      expect(readiness.status).toBe(503);
      expect(readiness.body.engines).toEqual({ relational: 'up', messageStore: 'up', realtimeBus: 'up', eventLog: 'down' });
      // Each engine with how long its probe took: the ones up answer at once, the log within the probe deadline.
      expect(Object.keys(readiness.body.latencyMs).sort()).toEqual(Object.keys(readiness.body.engines).sort());
      for (const ms of Object.values(readiness.body.latencyMs)) expect(ms).toBeGreaterThanOrEqual(0);
      expect(readiness.body.latencyMs.relational).toBeLessThan(1_000);
      expect(readiness.body.latencyMs.eventLog).toBeLessThanOrEqual(ANSWER_WITHIN_MS);
    });

    it('answers sendMessage with UNAVAILABLE within 5 s and stores nothing', async () => {
      for (const clientId of ['first-try', 'second-try']) {
        const started = Date.now();
        const result = await server.gql(SEND, { c: chatId, b: 'hello?', k: clientId }, ada.token);
        const elapsed = Date.now() - started;
        expect(codeOf(result)).toBe('UNAVAILABLE');
        expect(result.data).toBeNull();
        expect(elapsed).toBeLessThan(ANSWER_WITHIN_MS);
      }

      // Concurrent sends all get their answer in time too, not one after another.
      const started = Date.now();
      const burst = await Promise.all(Array.from({ length: 5 }, (_, i) => server.gql(SEND, { c: chatId, b: `burst ${i}` }, bob.token)));
      expect(burst.map(codeOf)).toEqual(Array(5).fill('UNAVAILABLE'));
      expect(Date.now() - started).toBeLessThan(ANSWER_WITHIN_MS);

      const stored = await server.ok(
        `query ($c: ID!) { messages(chatId: $c, last: 10) { edges { node { seq } } } chat(id: $c) { lastSeq unreadCount lastMessage { id } } }`,
        { c: chatId },
        bob.token,
      );
      expect(stored.messages.edges).toEqual([]);
      expect(stored.chat).toEqual({ lastSeq: 0, unreadCount: 0, lastMessage: null });
    });
  });
}
