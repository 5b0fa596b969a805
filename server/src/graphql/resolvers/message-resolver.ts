import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { EditMessageArgs, MessageAddedArgs, MessagesArgs, SendMessageArgs } from '../args.js';
import { messageCursor } from '../../domain/cursor.js';
import { requireViewer, type Context } from '../context.js';
import { SharedExecution } from '../execution-sharing.js';
import { toConnection } from '../types/connection.js';
import { Message, MessageConnection, SendMessagePayload } from '../types/message.js';
import { User } from '../types/user.js';

@Resolver(() => Message)
export class MessageResolver {
  @Query(() => MessageConnection, { description: 'A page of a chat’s history, Relay cursors over seq; each page runs oldest → newest. first/after pages forward from the start or a cursor; last/before pages back from the newest or a cursor; passing both first and last is BAD_USER_INPUT. With neither, the oldest 50.' })
  async messages(@Args() { chatId, ...range }: MessagesArgs, @Ctx() context: Context): Promise<MessageConnection> {
    const page = await context.services.messages.history(requireViewer(context), chatId, range);
    return toConnection(page.messages, (m) => messageCursor(m.seq), page);
  }

  @Mutation(() => SendMessagePayload, {
    description:
      'Returns once the message is durably accepted (in the event log); it is stored and delivered right after. Resending with the same clientId stores it once. ' +
      'RATE_LIMITED past the per-user send limit (`extensions.retryAfterMs`); UNAVAILABLE when it could not be accepted: retry with the same clientId.',
  })
  sendMessage(@Args() { chatId, body, clientId, replyToId }: SendMessageArgs, @Ctx() context: Context): Promise<SendMessagePayload> {
    return context.services.messages.send(requireViewer(context), chatId, body, clientId, replyToId);
  }

  @Mutation(() => Message, {
    description: 'Edit the text of a message you sent (text messages only, not once deleted). Applied in the chat’s order, like a send; returns the message as the edit leaves it. NOT_FOUND for a message you cannot read, FORBIDDEN for someone else’s, CONFLICT once deleted, BAD_USER_INPUT for a system message; RATE_LIMITED like a send.',
  })
  editMessage(@Args() { messageId, body }: EditMessageArgs, @Ctx() context: Context): Promise<Message> {
    return context.services.messages.edit(requireViewer(context), messageId, body);
  }

  @Mutation(() => Message, {
    description: 'Delete a message you sent, or any text message of a group you own: it keeps its seq, its body becomes "". Deleting twice is harmless. NOT_FOUND for a message you cannot read, FORBIDDEN when it is neither yours nor in a group you own, BAD_USER_INPUT for a system message; RATE_LIMITED like a send.',
  })
  deleteMessage(@Arg('messageId', () => ID, { description: 'The message to delete.' }) messageId: string, @Ctx() context: Context): Promise<Message> {
    return context.services.messages.delete(requireViewer(context), messageId);
  }

  @Subscription(() => Message, {
    description:
      'New messages of a chat, system messages included (edits and deletions are on chatEvents). With afterSeq: stored messages after it, then live ones; no gap, no duplicate.',
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

  @FieldResolver(() => User, { description: 'Who sent it; for system messages, who made the change.' })
  async sender(@Root() message: Message, @Ctx() { loaders }: Context): Promise<User> {
    const user = await loaders.user.load(message.senderId);
    if (!user) throw new Error(`sender ${message.senderId} of message ${message.id} is missing`);
    return user;
  }

  @FieldResolver(() => String, { nullable: true, description: 'The sender’s clientId (generated when they gave none); null for system messages.' })
  clientId(@Root() message: Message): string | null {
    // A system message's clientId is the server's idempotency key for it, not something its sender chose.
    return message.kind === 'TEXT' ? message.clientId : null;
  }

  @FieldResolver(() => User, { nullable: true, description: 'For MEMBER_* messages: who joined, left or was removed. Null otherwise.' })
  subject(@Root() message: Message, @Ctx() { loaders }: Context): Promise<User | null> | null {
    return message.subjectId ? loaders.user.load(message.subjectId) : null;
  }

  @FieldResolver(() => Message, { nullable: true, description: 'The message this one replies to, as it is now (a deleted one shows as deleted); null when not a reply.' })
  replyTo(@Root() message: Message, @Ctx() { loaders }: Context): Promise<Message | null> | null {
    return message.replyToId ? loaders.message.load(message.replyToId) : null;
  }
}
