import { Args, Ctx, Mutation, Resolver } from 'type-graphql';
import { BotIdArgs, CreateBotArgs } from '../args.js';
import { requireViewer, type Context } from '../context.js';
import { BotPayload } from '../types/user.js';

@Resolver()
export class BotResolver {
  @Mutation(() => BotPayload, {
    description:
      'Creates a bot you own, and its token. A bot takes part like anyone (add it to chats; the same rate limits apply) but cannot log in with a password. One person owns at most 10 bots (BAD_USER_INPUT past that); bots cannot create bots (FORBIDDEN). CONFLICT when the username is taken.',
  })
  createBot(@Args() { username, displayName }: CreateBotArgs, @Ctx() context: Context): Promise<BotPayload> {
    return context.services.bots.create(requireViewer(context), username, displayName);
  }

  @Mutation(() => Boolean, {
    description:
      'Revokes your bot’s token: from the answer on it is UNAUTHENTICATED everywhere, and the bot’s open sockets close with 4401. Nothing new is issued (see issueBotToken). False when the bot had no valid token. NOT_FOUND for no such bot, FORBIDDEN for someone else’s.',
  })
  revokeBotToken(@Args() { botId }: BotIdArgs, @Ctx() context: Context): Promise<boolean> {
    return context.services.bots.revokeToken(requireViewer(context), botId);
  }

  @Mutation(() => String, {
    description:
      'A new token for your bot (after a revocation, or to rotate): the bot’s previous token, if any, stops working at once, as if revoked. NOT_FOUND for no such bot, FORBIDDEN for someone else’s.',
  })
  issueBotToken(@Args() { botId }: BotIdArgs, @Ctx() context: Context): Promise<string> {
    return context.services.bots.issueToken(requireViewer(context), botId);
  }
}
