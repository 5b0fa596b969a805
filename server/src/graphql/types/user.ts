import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Someone who chats: a person, or a bot (`isBot`) acting for its owner.' })
export class User {
  @Field(() => ID, { description: 'The user’s id.' })
  id!: string;

  @Field({ description: 'Unique, lower-case: 3 to 32 of a-z, 0-9 and _.' })
  username!: string;

  @Field({ description: 'How the user is shown: one line, up to 64 characters; their username unless they chose one.' })
  displayName!: string;

  @Field({ description: 'When the account was created.' })
  createdAt!: Date;

  @Field({ description: 'True for a bot: a program taking part through the API for the person who created it (`createBot`). Bots sign in only with a token, never with a password.' })
  isBot!: boolean;
}

@ObjectType({ description: 'A new bot and its token (createBot).' })
export class BotPayload {
  @Field(() => User, { description: 'The bot: a user with `isBot: true`.' })
  user!: User;

  @Field({
    description:
      'The bot’s token, shown this once: send it as `Authorization: Bearer <token>` or in the graphql-ws connection_init payload. It does not expire; it stops working when its owner revokes it (`revokeBotToken`) or issues another (`issueBotToken`).',
  })
  token!: string;
}

@ObjectType({ description: 'What signing up or in gives: the token and who it is for.' })
export class AuthPayload {
  @Field({ description: 'Send as `Authorization: Bearer <token>`, or in the graphql-ws connection_init payload.' })
  token!: string;

  @Field(() => User, { description: 'The signed-in user.' })
  user!: User;
}
