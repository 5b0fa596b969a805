import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { ChatChanged } from '../../domain/chat-watch.js';
import { ChatsArgs, CreateGroupChatArgs, MarkReadArgs, MembersArgs } from '../args.js';
import { pageSize } from '../../domain/limits.js';
import { chatCursor } from '../../domain/cursor.js';
import type { MemberChat } from '../../domain/models.js';
import { requireViewer, type Context } from '../context.js';
import { Chat, ChatConnection } from '../types/chat.js';
import { toConnection } from '../types/connection.js';
import { Message } from '../types/message.js';
import { User } from '../types/user.js';

const asChat = (chat: MemberChat): Chat => chat as Chat;

@Resolver(() => Chat)
export class ChatResolver {
  @Query(() => ChatConnection, { description: 'The viewer’s chats, most recent activity first.' })
  async chats(@Args() { first, after }: ChatsArgs, @Ctx() context: Context): Promise<ChatConnection> {
    const page = await context.services.chats.list(requireViewer(context), first, after);
    return toConnection(page.chats.map(asChat), chatCursor, { hasNextPage: page.hasNextPage, hasPreviousPage: after != null });
  }

  @Query(() => Chat, { nullable: true })
  async chat(@Arg('id', () => ID) id: string, @Ctx() context: Context): Promise<Chat> {
    return asChat(await context.services.chats.get(requireViewer(context), id));
  }

  @Mutation(() => Chat, { description: 'Idempotent: the same pair always gets the same chat.' })
  async createDirectChat(@Arg('userId', () => ID) userId: string, @Ctx() context: Context): Promise<Chat> {
    return asChat(await context.services.chats.createDirect(requireViewer(context), userId));
  }

  @Mutation(() => Chat, { description: 'The creator is always a member.' })
  async createGroupChat(@Args() { title, memberIds }: CreateGroupChatArgs, @Ctx() context: Context): Promise<Chat> {
    return asChat(await context.services.chats.createGroup(requireViewer(context), title, memberIds));
  }

  @Mutation(() => Chat, { description: 'lastReadSeq only moves forward, and never past lastSeq.' })
  async markRead(@Args() { chatId, seq }: MarkReadArgs, @Ctx() context: Context): Promise<Chat> {
    return asChat(await context.services.chats.markRead(requireViewer(context), chatId, seq));
  }

  @Mutation(() => Boolean, { description: 'Leave a group chat: you can no longer read, send to or subscribe to it.' })
  leaveChat(@Arg('chatId', () => ID) chatId: string, @Ctx() context: Context): Promise<boolean> {
    return context.services.chats.leave(requireViewer(context), chatId);
  }

  @Subscription(() => Chat, {
    description:
      'The viewer’s chats as they change: a message in any of them, a chat joined, a read mark moved (from any device). ' +
      'Each event is the whole chat as the viewer sees it; after a reconnect, query chats again.',
    subscribe: ({ context }) => {
      const ctx = context as Context;
      return ctx.services.chats.watch(requireViewer(ctx));
    },
  })
  async chatUpdated(@Root() { chatId }: ChatChanged, @Ctx() context: Context): Promise<Chat> {
    return asChat(await context.services.chats.get(requireViewer(context), chatId));
  }

  @FieldResolver(() => [User], {
    description: 'The first members, earliest joined first; a group can hold up to 1,001, so ask for memberCount rather than counting this page.',
  })
  async members(@Root() chat: Chat, @Args() { first }: MembersArgs, @Ctx() { loaders }: Context): Promise<User[]> {
    const size = pageSize(first, 'first');
    const ids = await loaders.chatMemberIds.load(chat.id);
    const users = await loaders.user.loadMany(ids.slice(0, size));
    return users.filter((u): u is User => u !== null && !(u instanceof Error));
  }

  @FieldResolver(() => Int, { description: 'How many members the chat has (members is one page of them).' })
  async memberCount(@Root() chat: Chat, @Ctx() { loaders }: Context): Promise<number> {
    return (await loaders.chatMemberIds.load(chat.id)).length;
  }

  @FieldResolver(() => Message, { nullable: true })
  lastMessage(@Root() chat: Chat, @Ctx() { loaders }: Context): Promise<Message | null> | null {
    return chat.lastMessageId ? loaders.message.load(chat.lastMessageId) : null;
  }

  @FieldResolver(() => Int, { description: 'lastSeq - lastReadSeq: own messages count as read.' })
  unreadCount(@Root() chat: Chat): number {
    return Math.max(0, chat.lastSeq - chat.lastReadSeq);
  }
}
