import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { IndexDescription } from 'mongodb';
import type { Message } from '../domain/models.js';

/*
 * A message as MongoDB holds it: the message id is `_id`, so a redelivered
 * envelope collides on the primary key without a further index. Declared for
 * MikroORM (collection, document shape); the store reads and writes through the
 * native collection, because an ordered insertMany is what answers with the
 * written prefix and the unit of work would add nothing on this path.
 */
export const MessageDocumentEntity = defineEntity({
  name: 'MessageDocument',
  collection: 'messages',
  properties: {
    _id: p.uuid().primary(),
    chatId: p.uuid(),
    seq: p.integer(),
    senderId: p.uuid(),
    body: p.text(),
    // Written as null, never omitted, so every document has the same shape.
    clientId: p.string().nullable(),
    createdAt: p.datetime(),
  },
});

export type MessageDocument = InferEntity<typeof MessageDocumentEntity>;

/*
 * Created with explicit names rather than through `orm.schema.ensureIndexes()`:
 * that path drops and rebuilds indexes when one fails (e.g. duplicates already
 * stored), where Parley must refuse to start instead.
 */
export const messageIndexes: IndexDescription[] = [
  // The per-chat spine: uniqueness of seq, history pages in both directions, maxSeqs.
  { name: 'chat_seq', key: { chatId: 1, seq: 1 }, unique: true },
  // Idempotent retries, per chat: the same clientId in another chat is another message. A
  // message without a clientId is outside the index, so any number may exist. A new name:
  // MongoDB refuses to create an index under an existing name with another key.
  {
    name: 'sender_chat_client',
    key: { senderId: 1, chatId: 1, clientId: 1 },
    unique: true,
    partialFilterExpression: { clientId: { $type: 'string' } },
  },
  // The daily summary reads one day of messages: a range on createdAt, not a collection scan.
  { name: 'created_at', key: { createdAt: 1 } },
];

/**
 * Indexes of earlier versions, dropped at start once their replacements exist.
 * `sender_client` made (senderId, clientId) unique across chats, refusing the
 * same clientId in a second chat.
 */
export const retiredMessageIndexes = ['sender_client'] as const;

export const toDocument = (message: Message): MessageDocument => ({
  _id: message.id,
  chatId: message.chatId,
  seq: message.seq,
  senderId: message.senderId,
  body: message.body,
  clientId: message.clientId,
  createdAt: message.createdAt,
});

export const toMessage = (document: MessageDocument): Message => ({
  id: document._id,
  chatId: document.chatId,
  seq: document.seq,
  senderId: document.senderId,
  body: document.body,
  // A document written by hand or by an older tool may lack the field.
  clientId: document.clientId ?? null,
  createdAt: document.createdAt,
});
