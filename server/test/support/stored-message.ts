import type { Message } from '../../src/domain/models.js';

/** A stored text message as a test writes it straight to a store: its events are its seq, as for every message stored before edits. */
export function storedMessage(fields: Pick<Message, 'id' | 'chatId' | 'seq' | 'senderId' | 'body' | 'clientId' | 'createdAt'> & Partial<Message>): Message {
  return {
    kind: 'TEXT',
    subjectId: null,
    replyToId: null,
    editedAt: null,
    deletedAt: null,
    eventSeq: fields.seq,
    changedSeq: fields.seq,
    textSeq: fields.seq,
    ...fields,
  };
}
