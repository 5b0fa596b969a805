import { Args, Ctx, FieldResolver, Resolver, Root, Subscription } from 'type-graphql';
import type { DeliveredEvent } from '../../domain/chat-event-stream.js';
import { ChatEventsArgs } from '../args.js';
import { requireViewer, type Context } from '../context.js';
import { SharedExecution } from '../execution-sharing.js';
import type { Chat } from '../types/chat.js';
import { Chat as ChatType } from '../types/chat.js';
import { ChatChanged, ChatEvent, type ChatEventSource } from '../types/chat-event.js';

@Resolver(() => ChatChanged)
export class ChatEventResolver {
  @Subscription(() => ChatEvent, {
    description:
      'Every durable change to a chat, in its order: messages added (system messages included), edited and deleted, and changes to the chat itself. ' +
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
    const { kind, chatId, eventSeq, message } = event;
    return { kind, chatId, message, cursor: context.services.messages.eventCursor(chatId, eventSeq) };
  }

  @FieldResolver(() => ChatType, { description: 'The chat as it is now.' })
  async chat(@Root() event: ChatEventSource, @Ctx() context: Context): Promise<Chat> {
    return (await context.services.chats.asSeenBy(requireViewer(context), event.chatId)) as Chat;
  }
}
