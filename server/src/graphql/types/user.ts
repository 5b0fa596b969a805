import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A person who can sign in and chat.' })
export class User {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Unique, lower-case: 3 to 32 of a-z, 0-9 and _.' })
  username!: string;

  @Field()
  displayName!: string;

  @Field()
  createdAt!: Date;
}

@ObjectType()
export class AuthPayload {
  @Field({ description: 'Send as `Authorization: Bearer <token>`, or in the graphql-ws connection_init payload.' })
  token!: string;

  @Field(() => User)
  user!: User;
}
