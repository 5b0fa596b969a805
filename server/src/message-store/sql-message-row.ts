import { lastChangedAt, type Message } from '../domain/models.js';
import { toDate, type MessagesTable } from '../relational/tables.js';
import type { NoneMissing } from '../support/shape-checks.js';

/** Every column a Message is read from: never `*`, which would carry each row's search words too. */
export const COLUMNS = [
  'id', 'chat_id', 'seq', 'kind', 'sender_id', 'subject_id', 'body', 'client_id', 'reply_to_id', 'created_at',
  'edited_at', 'deleted_at', 'event_seq', 'changed_seq', 'changed_at', 'change_id', 'text_seq',
] as const satisfies readonly (keyof MessagesTable)[];
/** A column added to the table's row must be read too. */
export type EveryColumnRead = NoneMissing<Exclude<keyof MessagesTable, (typeof COLUMNS)[number]>>;

/** The row as the store reads it back: the one way from the `messages` table to a Message. */
export const toMessage = (row: MessagesTable): Message => ({
  id: row.id,
  chatId: row.chat_id,
  seq: row.seq,
  kind: row.kind,
  senderId: row.sender_id,
  subjectId: row.subject_id,
  body: row.body,
  clientId: row.client_id,
  replyToId: row.reply_to_id,
  createdAt: toDate(row.created_at),
  editedAt: row.edited_at === null ? null : toDate(row.edited_at),
  deletedAt: row.deleted_at === null ? null : toDate(row.deleted_at),
  eventSeq: row.event_seq,
  changedSeq: row.changed_seq,
  textSeq: row.text_seq,
});

/**
 * A stored message as its row, for writes that carry their seqs (imports,
 * tests): its latest change is its edit, deletion or creation, with no change
 * id to order later ones against. Appends number their rows in the database
 * (parley_append_messages) and never build one here.
 */
export const toRow = (m: Message): MessagesTable => ({
  id: m.id,
  chat_id: m.chatId,
  seq: m.seq,
  kind: m.kind,
  sender_id: m.senderId,
  subject_id: m.subjectId,
  body: m.body,
  client_id: m.clientId,
  reply_to_id: m.replyToId,
  created_at: m.createdAt,
  edited_at: m.editedAt,
  deleted_at: m.deletedAt,
  event_seq: m.eventSeq,
  changed_seq: m.changedSeq,
  changed_at: lastChangedAt(m),
  change_id: null,
  text_seq: m.textSeq,
});
