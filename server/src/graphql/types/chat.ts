import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ViewerDependent } from '../execution-sharing.js';
import { connectionTypes } from './connection.js';

export enum ChatKind {
  DIRECT = 'DIRECT',
  GROUP = 'GROUP',
}
registerEnumType(ChatKind, {
  name: 'ChatKind',
  description: 'Whether a chat is between two people for good, or a group that people join and leave.',
  valuesConfig: { DIRECT: { description: 'Two people; created once per pair.' }, GROUP: { description: 'A named group with an owner.' } },
});

@ObjectType({ description: 'A conversation, as the viewer sees it.' })
export class Chat {
  @Field(() => ID, { description: 'The chat’s id.' })
  id!: string;

  @Field(() => ChatKind, { description: 'DIRECT (two people, for good) or GROUP.' })
  kind!: ChatKind;

  @Field(() => String, { nullable: true, description: 'Set for groups; direct chats show the other member instead.' })
  title!: string | null;

  @Field(() => Int, { description: 'Seq of the newest stored message; 0 when empty.' })
  lastSeq!: number;

  @Field(() => Int, { description: 'Seq of the newest message the viewer has read.' })
  @ViewerDependent()
  lastReadSeq!: number;

  @Field({ description: 'When the chat was created.' })
  createdAt!: Date;

  @Field({ description: 'Time of the last activity; chats are listed newest first by it.' })
  updatedAt!: Date;

  /** Not exposed: resolved into `lastMessage`. */
  lastMessageId!: string | null;
  /** Not exposed: resolved into `owner`. */
  ownerId!: string | null;
  /** Not exposed: resolved into `eventCursor`. */
  lastEventSeq!: number;
  /** Not exposed: with lastEventSeq, resolved into `eventCursor`. */
  readSeq!: number;
  /** Not exposed: unreadCount is textCount - readTextSeq. */
  textCount!: number;
  readTextSeq!: number;
}

export const ChatConnection = connectionTypes(Chat, 'Chat');
export type ChatConnection = InstanceType<typeof ChatConnection>;
