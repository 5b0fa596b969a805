import { Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { MessageAddedArgs, MessagesArgs, SendMessageArgs } from '../args.js';
import { messageCursor } from '../../domain/cursor.js';
import { requireViewer, type Context } from '../context.js';
import { SharedExecution } from '../execution-sharing.js';
import { toConnection } from '../types/connection.js';
import { Message, MessageConnection, SendMessagePayload } from '../types/message.js';
import { User } from '../types/user.js';

@Resolver(() => Message)
export class MessageResolver {
  @Query(() => MessageConnection, { description: 'Relay cursors over seq; each page runs oldest → newest.' })
  async messages(@Args() { chatId, ...range }: MessagesArgs, @Ctx() context: Context): Promise<MessageConnection> {
    const page = await context.services.messages.history(requireViewer(context), chatId, range);
    return toConnection(page.messages, (m) => messageCursor(m.seq), page);
  }

  @Mutation(() => SendMessagePayload, {
    description: 'Returns once the message is durably accepted. Resending with the same clientId stores it once.',
  })
  sendMessage(@Args() { chatId, body, clientId }: SendMessageArgs, @Ctx() context: Context): Promise<SendMessagePayload> {
    return context.services.messages.send(requireViewer(context), chatId, body, clientId);
  }

  @Subscription(() => Message, {
    description: 'New messages of a chat. With afterSeq: stored messages after it, then live ones; no gap, no duplicate.',
    subscribe: ({ args, context }) => {
      const ctx = context as Context;
      return ctx.services.messages.stream(requireViewer(ctx), args.chatId, args.afterSeq);
    },
  })
  // Every subscriber of a chat receives the same stored message, and nothing of a Message depends on who reads it.
  @SharedExecution()
  messageAdded(@Root() message: Message, @Args() _args: MessageAddedArgs): Message {
    return message;
  }

  @FieldResolver(() => User)
  async sender(@Root() message: Message, @Ctx() { loaders }: Context): Promise<User> {
    const user = await loaders.user.load(message.senderId);
    if (!user) throw new Error(`sender ${message.senderId} of message ${message.id} is missing`);
    return user;
  }
}
