import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Where one member has read up to: for “seen” on a direct chat and “seen by N” in a group.' })
export class ReadState {
  @Field(() => Int, { description: 'The seq of the newest message they have read (their own messages count as read).' })
  lastReadSeq!: number;

  @Field(() => Date, { nullable: true, description: 'When their mark last moved; null if it never has (they joined with everything read).' })
  readAt!: Date | null;

  /** Not exposed: resolved into `user`. */
  userId!: string;
}
