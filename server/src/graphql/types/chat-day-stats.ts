import { GraphQLDate } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'One UTC day of a chat, as the nightly summary job recorded it.' })
export class ChatDayStats {
  @Field(() => GraphQLDate, { description: 'The UTC day, YYYY-MM-DD.' })
  day!: string;

  @Field(() => Int, { description: 'Messages sent that day.' })
  messages!: number;

  @Field(() => Int, { description: 'Distinct people who sent them.' })
  senders!: number;

  @Field({ description: 'When that day’s first message was sent.' })
  firstMessageAt!: Date;

  @Field({ description: 'When that day’s last message was sent.' })
  lastMessageAt!: Date;
}
