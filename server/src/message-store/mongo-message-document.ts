import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { IndexDescription } from 'mongodb';
import { lastChangedAt, type Message, type MessageKind } from '../domain/models.js';
import type { NoneMissing } from '../support/shape-checks.js';

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
    kind: p.string(),
    senderId: p.uuid(),
    // Written as null, never omitted, so every document has the same shape.
    subjectId: p.uuid().nullable(),
    body: p.text(),
    clientId: p.string().nullable(),
    replyToId: p.uuid().nullable(),
    createdAt: p.datetime(),
    editedAt: p.datetime().nullable(),
    deletedAt: p.datetime().nullable(),
    eventSeq: p.integer(),
    changedSeq: p.integer(),
    // The latest change's acceptance time and id: changes apply in that order (see MessageChange).
    changedAt: p.datetime(),
    changeId: p.uuid().nullable(),
    textSeq: p.integer(),
  },
});

export type MessageDocument = InferEntity<typeof MessageDocumentEntity>;
/** Every field of a Message is a field of the document (its id as `_id`): a new field must be declared above. */
export type EveryFieldStored = NoneMissing<Exclude<keyof Message, 'id' | keyof MessageDocument>>;

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
  // A resume reads a chat's changes after an event seq; unique, so two writers never take one event seq.
  // Partial: documents of older versions have no changedSeq until the start-up upgrade sets it.
  { name: 'chat_changed_seq', key: { chatId: 1, changedSeq: 1 }, unique: true, partialFilterExpression: { changedSeq: { $type: 'number' } } },
  // The daily summary reads one day of messages: a range on createdAt, not a collection scan.
  { name: 'created_at', key: { createdAt: 1 } },
  // searchMessages: words as written in any language (no stemming, no stop words), like PostgreSQL's `simple`.
  // Not led by chatId: a compound text index wants one chat by equality, and a search spans the viewer's chats.
  { name: 'body_text', key: { body: 'text' }, default_language: 'none' },
];

/**
 * Indexes of earlier versions, dropped at start once their replacements exist.
 * `sender_client` made (senderId, clientId) unique across chats, refusing the
 * same clientId in a second chat.
 */
export const retiredMessageIndexes = ['sender_client'] as const;

/**
 * Documents written before chats had events: each becomes the text message it
 * was, whose events are its seq (as the SQL migration does). An update
 * pipeline, so the whole collection is one command, and idempotent: start-up
 * runs it every time, and it touches only documents that lack eventSeq.
 */
export const upgradeFilter = { eventSeq: { $exists: false } };
export const upgradePipeline = [
  {
    $set: {
      kind: 'TEXT',
      subjectId: null,
      replyToId: null,
      editedAt: null,
      deletedAt: null,
      eventSeq: '$seq',
      changedSeq: '$seq',
      changedAt: '$createdAt',
      changeId: null,
      textSeq: '$seq',
      clientId: { $ifNull: ['$clientId', null] },
    },
  },
];

export const toDocument = (message: Message, change: { changedAt?: Date; changeId?: string | null } = {}): MessageDocument => ({
  _id: message.id,
  chatId: message.chatId,
  seq: message.seq,
  kind: message.kind,
  senderId: message.senderId,
  subjectId: message.subjectId,
  body: message.body,
  clientId: message.clientId,
  replyToId: message.replyToId,
  createdAt: message.createdAt,
  editedAt: message.editedAt,
  deletedAt: message.deletedAt,
  eventSeq: message.eventSeq,
  changedSeq: message.changedSeq,
  changedAt: change.changedAt ?? lastChangedAt(message),
  changeId: change.changeId ?? null,
  textSeq: message.textSeq,
});

export const toMessage = (document: MessageDocument): Message => ({
  id: document._id,
  chatId: document.chatId,
  seq: document.seq,
  kind: (document.kind ?? 'TEXT') as MessageKind,
  senderId: document.senderId,
  subjectId: document.subjectId ?? null,
  body: document.body,
  // A document written by hand or by an older tool may lack the field.
  clientId: document.clientId ?? null,
  replyToId: document.replyToId ?? null,
  createdAt: document.createdAt,
  editedAt: document.editedAt ?? null,
  deletedAt: document.deletedAt ?? null,
  eventSeq: document.eventSeq ?? document.seq,
  changedSeq: document.changedSeq ?? document.seq,
  textSeq: document.textSeq ?? document.seq,
});
