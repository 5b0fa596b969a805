import { Args, Ctx, FieldResolver, Resolver, Root, Subscription } from 'type-graphql';
import type { DeliveredEvent } from '../../domain/chat-event-stream.js';
import { ChatEventsArgs } from '../args.js';
import { requireViewer, type Context } from '../context.js';
import { SharedExecution } from '../execution-sharing.js';
import type { Chat } from '../types/chat.js';
import { Chat as ChatType } from '../types/chat.js';
import { ChatChanged, ChatEvent, ReadPositionMoved, TypingChanged, type ChatEventSource } from '../types/chat-event.js';
import { User } from '../types/user.js';

@Resolver(() => ChatChanged)
export class ChatEventResolver {
  @Subscription(() => ChatEvent, {
    description:
      'Every durable change to a chat, in its order: messages added (system messages included), edited and deleted, and changes to the chat itself; ' +
      'and, live only, who starts and stops typing (TypingChanged, never replayed). ' +
      'Read the chat’s eventCursor with its history, then subscribe with after: eventCursor; keep the cursor of the last event applied and resume with it after a disconnect. ' +
      'Ends with FORBIDDEN when you leave or are removed.',
    subscribe: ({ args, context }) => {
      const ctx = context as Context;
      return ctx.services.messages.events(requireViewer(ctx), args.chatId, args.after);
    },
  })
  // Live events reach every subscriber of a chat as the same objects; Chat's per-viewer fields are @ViewerDependent.
  @SharedExecution()
  chatEvents(@Root() event: DeliveredEvent, @Args() _args: ChatEventsArgs, @Ctx() context: Context): ChatEventSource {
    const cursor = context.services.messages.eventCursor(event.chatId, { eventSeq: event.eventSeq, readSeq: event.readSeq });
    const { chatId } = event;
    switch (event.kind) {
      case 'TypingChanged':
        return { kind: event.kind, chatId, cursor, userId: event.userId, typing: event.typing };
      case 'ReadPositionMoved':
        return { kind: event.kind, chatId, cursor, userId: event.userId, lastReadSeq: event.lastReadSeq };
      default:
        return { kind: event.kind, chatId, cursor, message: event.message };
    }
  }

  @FieldResolver(() => ChatType, { description: 'The chat as it is now.' })
  async chat(@Root() event: ChatEventSource, @Ctx() context: Context): Promise<Chat> {
    return (await context.services.chats.asSeenBy(requireViewer(context), event.chatId)) as Chat;
  }
}

async function userOf({ loaders }: Context, userId: string): Promise<User> {
  const user = await loaders.user.load(userId);
  if (!user) throw new Error(`user ${userId} is missing`);
  return user;
}

@Resolver(() => TypingChanged)
export class TypingChangedResolver {
  @FieldResolver(() => User, { description: 'Who is typing, or stopped.' })
  user(@Root() event: TypingChanged, @Ctx() context: Context): Promise<User> {
    return userOf(context, event.userId);
  }
}

@Resolver(() => ReadPositionMoved)
export class ReadPositionMovedResolver {
  @FieldResolver(() => User, { description: 'Whose read mark moved.' })
  user(@Root() event: ReadPositionMoved, @Ctx() context: Context): Promise<User> {
    return userOf(context, event.userId);
  }
}
