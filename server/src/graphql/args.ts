import { GraphQLDate } from 'graphql-scalars';
import { ArgsType, Field, ID, Int } from 'type-graphql';
import { LIMITS } from '../domain/limits.js';

/*
 * Argument classes keep each operation's arguments in the contract's order in
 * schema.graphql (parameter decorators would list them in reverse).
 */

@ArgsType()
export class SignupArgs {
  @Field({ description: 'Unique: 3 to 32 of a-z, 0-9 and _ (upper case is folded to lower).' })
  username!: string;

  @Field({ description: '8 to 256 characters.' })
  password!: string;

  @Field(() => String, { nullable: true, description: 'How others see you, up to 64 characters; the username when left out or blank.' })
  displayName?: string | null;
}

@ArgsType()
export class LoginArgs {
  @Field({ description: 'The username you signed up with (any case).' })
  username!: string;

  @Field({ description: 'Your password.' })
  password!: string;
}

@ArgsType()
export class UsersArgs {
  @Field(() => String, { nullable: true, description: 'Matches the start of a username or display name, any case; up to 100 characters.' })
  search?: string | null;

  @Field(() => Int, { nullable: true, description: 'At most this many users, 1 to 50 (default 20).' })
  first?: number | null;
}

@ArgsType()
export class ChatsArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100 (default 50).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page.' })
  after?: string | null;
}

@ArgsType()
export class MessagesArgs {
  @Field(() => ID, { description: 'A chat you are a member of.' })
  chatId!: string;

  @Field(() => Int, { nullable: true, description: 'Forward paging: this many messages after `after` (1 to 100, default 50).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'A message cursor: the page starts after it.' })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: 'Backward paging: this many messages before `before`, or the newest ones (1 to 100).' })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'A message cursor: the page ends before it.' })
  before?: string | null;
}

@ArgsType()
export class MembersArgs {
  // A default in the schema, so the cost estimate and every client see the same page size.
  @Field(() => Int, { nullable: true, defaultValue: LIMITS.pageDefault, description: `At most this many members (1..${LIMITS.pageMax}), earliest joined first.` })
  first?: number | null;
}

@ArgsType()
export class CreateGroupChatArgs {
  @Field({ description: 'The group’s name: 1 to 100 characters, one line.' })
  title!: string;

  @Field(() => [ID], { description: 'The people to start it with (you are always in it), up to 1,000.' })
  memberIds!: string[];
}

@ArgsType()
export class MarkReadArgs {
  @Field(() => ID, { description: 'A chat you are a member of.' })
  chatId!: string;

  @Field(() => Int, { description: 'The seq of the newest message you have seen (more than lastSeq counts as lastSeq).' })
  seq!: number;
}

@ArgsType()
export class SendMessageArgs {
  @Field(() => ID, { description: 'A chat you are a member of.' })
  chatId!: string;

  @Field({ description: 'The text: 1 to 4000 characters (leading and trailing whitespace is trimmed).' })
  body!: string;

  @Field(() => String, { nullable: true, description: 'Your id for this send; retries with it are stored once.' })
  clientId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The message of this chat this one replies to.' })
  replyToId?: string | null;
}

@ArgsType()
export class EditMessageArgs {
  @Field(() => ID, { description: 'A text message you sent, not deleted.' })
  messageId!: string;

  @Field({ description: 'The new text: 1 to 4000 characters, the same rules as a send.' })
  body!: string;
}

@ArgsType()
export class AddMembersArgs {
  @Field(() => ID, { description: 'A group you are a member of.' })
  chatId!: string;

  @Field(() => [ID], { description: 'The people to add; members already in are skipped.' })
  userIds!: string[];
}

@ArgsType()
export class RemoveMemberArgs {
  @Field(() => ID, { description: 'A group you own.' })
  chatId!: string;

  @Field(() => ID, { description: 'The member to remove (not yourself: use leaveChat).' })
  userId!: string;
}

@ArgsType()
export class RenameChatArgs {
  @Field(() => ID, { description: 'A group you are a member of.' })
  chatId!: string;

  @Field({ description: 'The new title: 1 to 100 characters.' })
  title!: string;
}

@ArgsType()
export class ChatEventsArgs {
  @Field(() => ID, { description: 'A chat you are a member of.' })
  chatId!: string;

  @Field(() => String, {
    nullable: true,
    description: 'The cursor of the last event you saw, or the chat’s eventCursor read with its history: every change since then first, then live. Without it, live from now.',
  })
  after?: string | null;
}

@ArgsType()
export class MessageAddedArgs {
  @Field(() => ID, { description: 'A chat you are a member of.' })
  chatId!: string;

  @Field(() => Int, { nullable: true, description: 'Replay stored messages with a greater seq first, then go live.' })
  afterSeq?: number | null;
}

@ArgsType()
export class ChatStatsArgs {
  @Field(() => ID, { description: 'A chat you are a member of.' })
  chatId!: string;

  @Field(() => GraphQLDate, { description: 'First UTC day, included.' })
  from!: Date;

  @Field(() => GraphQLDate, { description: 'Last UTC day, included.' })
  to!: Date;
}

@ArgsType()
export class SetTypingArgs {
  @Field(() => ID, { description: 'A chat you are a member of.' })
  chatId!: string;

  @Field({ description: 'true while typing; false when you stop (sending a message stops it too).' })
  typing!: boolean;
}

@ArgsType()
export class SearchMessagesArgs {
  @Field({ description: 'What to look for: up to 256 characters and 16 words.' })
  query!: string;

  @Field(() => ID, { nullable: true, description: 'Search one chat you are a member of; all of them when omitted.' })
  chatId?: string | null;

  @Field(() => Int, { nullable: true, description: 'This many results (1 to 100, default 20).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'A result’s cursor: the page starts after it.' })
  after?: string | null;
}

@ArgsType()
export class CreateBotArgs {
  @Field({ description: 'The bot’s username, unique among people and bots: 3 to 32 of a-z, 0-9 and _ (upper case is folded to lower).' })
  username!: string;

  @Field(() => String, { nullable: true, description: 'How others see the bot, up to 64 characters; the username when left out or blank.' })
  displayName?: string | null;
}

@ArgsType()
export class BotIdArgs {
  @Field(() => ID, { description: 'A bot you own.' })
  botId!: string;
}
