import { GraphQLDate } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'One UTC day of a chat, as the nightly summary job recorded it.' })
export class ChatDayStats {
  @Field(() => GraphQLDate)
  day!: string;

  @Field(() => Int, { description: 'Messages sent that day.' })
  messages!: number;

  @Field(() => Int, { description: 'Distinct people who sent them.' })
  senders!: number;

  @Field()
  firstMessageAt!: Date;

  @Field()
  lastMessageAt!: Date;
}
