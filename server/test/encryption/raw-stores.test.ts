import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageCipher, parseMessageKeys } from '../../src/encryption/message-cipher.js';
import { rekey } from '../../src/encryption/rekey.js';
import { SealingEventLog } from '../../src/encryption/sealing-event-log.js';
import type { MessageEnvelope } from '../../src/event-log/port.js';
import { MongoMessageStore } from '../../src/message-store/mongo-message-store.js';
import { mongoClientOptions } from '../../src/message-store/mongo-url.js';
import { invalidEnvelopeReason } from '../../src/domain/envelope-check.js';
import { kafkaBrokers, KafkaTestbed } from '../support/kafka.js';
import { TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';
import { until } from '../support/until.js';
import { directChat, send, signup } from '../support/users.js';

/*
 * The raw-store check of docs/encryption.md for the engines this machine
 * cannot run: the Kafka topic (KAFKA_BROKERS) and the MongoDB collection
 * (MONGO_URL), as the compose `test` profile sets them. The SQL table and
 * PGlite's files are checked in test/api/encryption.test.ts on every machine.
 */

const keyText = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const K1 = keyText('k1');
const K2 = keyText('k2');

if (kafkaBrokers) {
  const brokers = kafkaBrokers;
  describe('encryption: the Kafka topic holds no plain body', () => {
    const testbed = new KafkaTestbed(brokers);
    afterAll(() => testbed.dispose());

    it('sends and edits appended through the sealing log are ciphertext on the topic; the persister gets envelopes it accepts and the API opens', async () => {
      const subject = await testbed.subject();
      const cipher = new MessageCipher(parseMessageKeys(K1));
      const log = new SealingEventLog(subject.log, cipher);
      const handled: MessageEnvelope[] = [];
      await log.consume(async (batch) => (handled.push(...batch), []));
      const [chatId, messageId, senderId] = [randomUUID(), randomUUID(), randomUUID()];
      const acceptedAt = new Date().toISOString();
      await log.append({ type: 'send', messageId, chatId, senderId, body: 'kafka walrus secret', clientId: 'c1', acceptedAt });
      await log.append({ type: 'edit', changeId: randomUUID(), messageId, chatId, senderId, body: 'kafka zeppelin secret', acceptedAt });
      await until(() => handled.length === 2, 30_000);
      for (const envelope of handled) {
        expect(invalidEnvelopeReason(envelope)).toBeNull();
        expect(envelope.body).toMatch(/^enc:v1:k1:/);
      }
      expect(handled.map((e) => cipher.open(e.body!, { chatId, messageId }))).toEqual(['kafka walrus secret', 'kafka zeppelin secret']);

      // The topic itself, read from the beginning by a client of its own.
      const kafka = new Kafka({ clientId: 'parley-test-raw', brokers, logLevel: logLevel.NOTHING });
      const reader = kafka.consumer({ groupId: `parley-test-raw-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 200 });
      const records: string[] = [];
      await reader.connect();
      try {
        await reader.subscribe({ topics: [subject.log.topic], fromBeginning: true });
        await reader.run({ eachMessage: async ({ message }) => void records.push(message.value?.toString('utf8') ?? '') });
        await until(() => records.length === 2, 30_000);
      } finally {
        await reader.disconnect();
        await subject.close();
      }
      for (const record of records) {
        expect(record).not.toContain('walrus');
        expect(record).not.toContain('zeppelin');
        expect(record).toMatch(/"body":"enc:v1:k1:[A-Za-z0-9_-]+"/);
      }
    });
  });
} else {
  describe.skip('encryption on the Kafka topic: skipped, KAFKA_BROKERS is not set', () => it.skip('raw topic'));
}

const mongoUrl = process.env.MONGO_URL?.trim();
if (mongoUrl) {
  describe('encryption: the MongoDB collection holds no plain body, and rekey rotates it', () => {
    const dbName = `parley_test_${randomBytes(6).toString('hex')}`;
    // The API takes its database from the URL's path.
    const url = mongoUrl.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?/, `$1/${dbName}`);
    const client = new MongoClient(mongoUrl, mongoClientOptions(mongoUrl));
    let storage: Awaited<ReturnType<typeof pgliteTarget.provision>>;
    let server: TestServer;
    beforeAll(async () => {
      storage = await pgliteTarget.provision();
      server = await TestServer.attach(storage, { MONGO_URL: url, MESSAGE_KEYS: K1 });
    });
    afterAll(async () => {
      await server?.stop();
      await storage?.dispose();
      await client.db(dbName).dropDatabase().catch(() => undefined);
      await client.close();
    });

    it('stores sealed bodies only; after rekey every body is under the new key and still reads', async () => {
      const [ada, bob] = [await signup(server), await signup(server)];
      const chatId = await directChat(server, ada, bob);
      const sent = await send(server, ada, chatId, 'mongo walrus secret');
      await server.ok(`mutation ($id: ID!, $b: String!) { editMessage(messageId: $id, body: $b) { id } }`, { id: sent.messageId, b: 'mongo zeppelin secret' }, ada.token);
      const messages = client.db(dbName).collection<{ _id: string; body: string }>('messages');
      await until(async () => (await messages.findOne({ _id: sent.messageId }))?.body !== undefined);
      await until(async () => /^enc:v1:k1:/.test((await messages.findOne({ _id: sent.messageId }))!.body));
      const raw = JSON.stringify(await messages.find({}).toArray());
      expect(raw).not.toContain('walrus');
      expect(raw).not.toContain('zeppelin');

      await server.stop();
      server = await TestServer.attach(storage, { MONGO_URL: url, MESSAGE_KEYS: `${K2},${K1}` });
      const store = await MongoMessageStore.open({ url: mongoUrl, dbName });
      try {
        const report = await rekey(store, new MessageCipher(parseMessageKeys(`${K2},${K1}`)), { pageSize: 1 });
        expect(report).toMatchObject({ rewritten: 1, unreadable: [], missingKeys: {} });
        expect((await rekey(store, new MessageCipher(parseMessageKeys(`${K2},${K1}`)))).rewritten).toBe(0);
      } finally {
        await store.close();
      }
      expect((await messages.findOne({ _id: sent.messageId }))!.body).toMatch(/^enc:v1:k2:/);
      const page = await server.ok(`query ($c: ID!) { messages(chatId: $c, last: 5) { edges { node { body } } } }`, { c: chatId }, bob.token);
      expect(page.messages.edges.map((e: { node: { body: string } }) => e.node.body)).toEqual(['mongo zeppelin secret']);
    });
  });
} else {
  describe.skip('encryption on the MongoDB collection: skipped, MONGO_URL is not set', () => it.skip('raw collection'));
}
