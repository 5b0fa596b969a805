import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Relay page information: whether more lies either side, and the cursors of this page’s ends.' })
export class PageInfo {
  @Field({ description: 'Whether there is more after this page (newer messages; later chats).' })
  hasNextPage!: boolean;

  @Field({ description: 'Whether there is more before this page (older messages).' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'The cursor of the first edge; null for an empty page.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'The cursor of the last edge; null for an empty page.' })
  endCursor!: string | null;
}
