import { Field, ID, Int, ObjectType } from 'type-graphql';
import { connectionTypes } from './connection.js';

@ObjectType({ description: 'A stored message; seq orders it within its chat, from 1 without gaps.' })
export class Message {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  chatId!: string;

  @Field(() => Int)
  seq!: number;

  @Field(() => String, { nullable: true })
  clientId!: string | null;

  @Field()
  body!: string;

  @Field()
  createdAt!: Date;

  /** Not exposed: resolved into `sender`. */
  senderId!: string;
}

@ObjectType({ description: 'The log has the message: it will be stored and delivered.' })
export class SendMessagePayload {
  @Field(() => ID)
  messageId!: string;

  @Field(() => ID)
  chatId!: string;

  @Field({ description: 'The clientId sent, or the one generated; resend with it to retry safely.' })
  clientId!: string;

  @Field()
  acceptedAt!: Date;
}

export const MessageConnection = connectionTypes(Message, 'Message');
export type MessageConnection = InstanceType<typeof MessageConnection>;
