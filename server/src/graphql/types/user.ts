import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A person who can sign in and chat.' })
export class User {
  @Field(() => ID, { description: 'The user’s id.' })
  id!: string;

  @Field({ description: 'Unique, lower-case: 3 to 32 of a-z, 0-9 and _.' })
  username!: string;

  @Field({ description: 'How the user is shown: one line, up to 64 characters; their username unless they chose one.' })
  displayName!: string;

  @Field({ description: 'When the account was created.' })
  createdAt!: Date;
}

@ObjectType({ description: 'What signing up or in gives: the token and who it is for.' })
export class AuthPayload {
  @Field({ description: 'Send as `Authorization: Bearer <token>`, or in the graphql-ws connection_init payload.' })
  token!: string;

  @Field(() => User, { description: 'The signed-in user.' })
  user!: User;
}
