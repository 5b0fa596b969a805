import { MikroORM, MongoDriver } from '@mikro-orm/mongodb';
import { BSON } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/domain/models.js';
import { storedMessage } from '../support/stored-message.js';
import { MessageDocumentEntity, messageIndexes, toDocument, toMessage, type MessageDocument } from '../../src/message-store/mongo-message-document.js';

const message: Message = storedMessage({
  id: '0b6c8a52-5a57-4c57-9d0c-2f7f1f0e9b7a',
  chatId: '6f2b3f8e-3f7e-4c3c-8a43-5a0a8f1f7c11',
  seq: 42,
  senderId: '9a1d2b8c-1e4f-4a6b-8c7d-0e9f1a2b3c4d',
  body: 'ünïcødé 🙂 \n multi-line',
  clientId: 'client-1',
  createdAt: new Date('2026-01-01T12:34:56.789Z'),
  replyToId: '1b6c8a52-5a57-4c57-9d0c-2f7f1f0e9b7a',
  editedAt: new Date('2026-01-01T12:35:00.001Z'),
  changedSeq: 50,
  textSeq: 40,
});

/** What the driver sends and reads back: BSON with its default (promoting) deserializer. */
const throughBson = <T extends object>(document: T) => BSON.deserialize(BSON.serialize(document));

describe('MongoDB message documents', () => {
  it('keep the message id as _id', () => {
    expect(toDocument(message)).toEqual({
      _id: message.id,
      chatId: message.chatId,
      seq: 42,
      kind: 'TEXT',
      senderId: message.senderId,
      subjectId: null,
      body: message.body,
      clientId: 'client-1',
      replyToId: message.replyToId,
      createdAt: message.createdAt,
      editedAt: message.editedAt,
      deletedAt: null,
      eventSeq: 42,
      changedSeq: 50,
      changedAt: message.editedAt,
      changeId: null,
      textSeq: 40,
    });
  });

  it('read a document of an older version as the text message it was, its events its seq', () => {
    const { _id, chatId, seq, senderId, body, clientId, createdAt } = toDocument(message);
    expect(toMessage(throughBson({ _id, chatId, seq, senderId, body, clientId, createdAt }) as MessageDocument)).toEqual(
      storedMessage({ id: _id, chatId, seq, senderId, body, clientId: clientId ?? null, createdAt }),
    );
  });

  it('round-trip through BSON unchanged: a Date stays a Date to the millisecond, seq a number', () => {
    for (const original of [message, { ...message, clientId: null }, { ...message, seq: 2 ** 31 + 5 }]) {
      const back = toMessage(throughBson(toDocument(original)) as MessageDocument);
      expect(back).toEqual(original);
      expect(back.createdAt).toBeInstanceOf(Date);
      expect(typeof back.seq).toBe('number');
    }
  });

  it('store a missing clientId as null, and read a document without the field as null', () => {
    expect(throughBson(toDocument({ ...message, clientId: null }))).toHaveProperty('clientId', null);
    const { clientId: _, ...withoutClientId } = toDocument(message);
    expect(toMessage(throughBson(withoutClientId) as MessageDocument).clientId).toBeNull();
  });

  it('declare the indexes the store relies on: the unique ones, createdAt for the daily summary, and the words of bodies for search', () => {
    expect(messageIndexes).toEqual([
      { name: 'chat_seq', key: { chatId: 1, seq: 1 }, unique: true },
      {
        name: 'sender_chat_client',
        key: { senderId: 1, chatId: 1, clientId: 1 },
        unique: true,
        partialFilterExpression: { clientId: { $type: 'string' } },
      },
      { name: 'chat_changed_seq', key: { chatId: 1, changedSeq: 1 }, unique: true, partialFilterExpression: { changedSeq: { $type: 'number' } } },
      { name: 'created_at', key: { createdAt: 1 } },
      { name: 'body_text', key: { body: 'text' }, default_language: 'none' },
    ]);
  });

  it('are an entity MikroORM accepts for MongoDB, in the messages collection', async () => {
    // Discovery and the platform's checks (primary key must be `_id`) run without a server.
    const orm = await MikroORM.init({
      driver: MongoDriver,
      clientUrl: 'mongodb://127.0.0.1:27017/parley_unit',
      entities: [MessageDocumentEntity],
      discovery: { warnWhenNoEntities: false },
      debug: false,
    });
    try {
      const meta = orm.getMetadata().get(MessageDocumentEntity);
      expect(meta.collection).toBe('messages');
      expect(meta.getPrimaryProps().map((prop) => prop.fieldNames[0])).toEqual(['_id']);
      const collection = orm.driver.getConnection().getCollection(MessageDocumentEntity);
      expect(collection.collectionName).toBe('messages');
      expect(collection.dbName).toBe('parley_unit');
    } finally {
      await orm.close(true);
    }
  });
});
