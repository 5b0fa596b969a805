import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Message as DomainMessage, MessageKind as DomainMessageKind } from '../../domain/models.js';
import { connectionTypes } from './connection.js';

export enum MessageKind {
  TEXT = 'TEXT',
  MEMBER_JOINED = 'MEMBER_JOINED',
  MEMBER_LEFT = 'MEMBER_LEFT',
  MEMBER_REMOVED = 'MEMBER_REMOVED',
  CHAT_RENAMED = 'CHAT_RENAMED',
}
registerEnumType(MessageKind, {
  name: 'MessageKind',
  description: 'What a message is: text someone wrote, or a system message about the chat.',
  valuesConfig: {
    TEXT: { description: 'Text a member sent.' },
    MEMBER_JOINED: { description: 'subject was added to the group by sender.' },
    MEMBER_LEFT: { description: 'subject (the sender) left the group.' },
    MEMBER_REMOVED: { description: 'subject was removed from the group by sender, its owner.' },
    CHAT_RENAMED: { description: 'sender renamed the group; body is the new title.' },
  },
});

@ObjectType({ description: 'A stored message; seq orders it within its chat, from 1 without gaps. System messages take a seq like any other.' })
export class Message implements Omit<DomainMessage, 'eventSeq' | 'changedSeq' | 'textSeq'> {
  @Field(() => ID, { description: 'Stable across retries of the same send (it derives from sender, chat and clientId).' })
  id!: string;

  @Field(() => ID, { description: 'The chat it belongs to.' })
  chatId!: string;

  @Field(() => Int, { description: 'Its place in the chat: 1, 2, 3… with no gaps, never reused.' })
  seq!: number;

  @Field(() => MessageKind, { description: 'TEXT, or the kind of system message.' })
  kind!: DomainMessageKind;

  /** Exposed by MessageResolver.clientId: null for system messages. */
  clientId!: string | null;

  @Field({ description: 'The text; "" once deleted and for membership messages; the new title for CHAT_RENAMED.' })
  body!: string;

  @Field({ description: 'When the server accepted it.' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When its text was last edited; null if never.' })
  editedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was deleted; null while it stands.' })
  deletedAt!: Date | null;

  /** Not exposed: resolved into `sender`. */
  senderId!: string;
  /** Not exposed: resolved into `subject`. */
  subjectId!: string | null;
  /** Not exposed: resolved into `replyTo`. */
  replyToId!: string | null;
}

@ObjectType({ description: 'The log has the message: it will be stored and delivered.' })
export class SendMessagePayload {
  @Field(() => ID, { description: 'The id the message will be stored under.' })
  messageId!: string;

  @Field(() => ID, { description: 'The chat it was sent to.' })
  chatId!: string;

  @Field({ description: 'The clientId sent, or the one generated; resend with it to retry safely.' })
  clientId!: string;

  @Field({ description: 'When the server accepted it: the message’s createdAt.' })
  acceptedAt!: Date;
}

export const MessageConnection = connectionTypes(Message, 'Message');
export type MessageConnection = InstanceType<typeof MessageConnection>;
