import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { WatchedChat } from '../../domain/chat-watch.js';
import { AddMembersArgs, ChatsArgs, CreateGroupChatArgs, MarkReadArgs, MembersArgs, RemoveMemberArgs, RenameChatArgs, SetTypingArgs } from '../args.js';
import { pageSize } from '../../domain/limits.js';
import { chatCursor } from '../../domain/cursor.js';
import type { MemberChat } from '../../domain/models.js';
import { requireViewer, type Context } from '../context.js';
import { ViewerDependent } from '../execution-sharing.js';
import { Chat, ChatConnection } from '../types/chat.js';
import { ReadState } from '../types/read-state.js';
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

  @Query(() => Chat, { nullable: true, description: 'One of your chats, by id. NOT_FOUND when there is no such chat, FORBIDDEN when you are not a member (the field is then null).' })
  async chat(@Arg('id', () => ID, { description: 'A chat you are a member of.' }) id: string, @Ctx() context: Context): Promise<Chat> {
    return asChat(await context.services.chats.get(requireViewer(context), id));
  }

  @Mutation(() => Chat, { description: 'The direct chat between you and another person, created the first time: the same pair always gets the same chat. NOT_FOUND for no such user, BAD_USER_INPUT for yourself; RATE_LIMITED past the limit on new chats (opening an existing one is not counted).' })
  async createDirectChat(@Arg('userId', () => ID, { description: 'The other person.' }) userId: string, @Ctx() context: Context): Promise<Chat> {
    return asChat(await context.services.chats.createDirect(requireViewer(context), userId));
  }

  @Mutation(() => Chat, { description: 'A new group that you own; you are always a member. NOT_FOUND when a member id names no one; RATE_LIMITED past the limit on new chats.' })
  async createGroupChat(@Args() { title, memberIds }: CreateGroupChatArgs, @Ctx() context: Context): Promise<Chat> {
    return asChat(await context.services.chats.createGroup(requireViewer(context), title, memberIds));
  }

  @Mutation(() => Chat, { description: 'Moves your read mark to seq and returns the chat: lastReadSeq only moves forward, and never past lastSeq. Your other devices see it on chatUpdated, the other members as ReadPositionMoved on chatEvents.' })
  async markRead(@Args() { chatId, seq }: MarkReadArgs, @Ctx() context: Context): Promise<Chat> {
    return asChat(await context.services.chats.markRead(requireViewer(context), chatId, seq));
  }

  @Mutation(() => Boolean, {
    description:
      'Leave a group chat (announced with a MEMBER_LEFT message): you can no longer read, send to or subscribe to it. An owner who leaves passes the group to its longest-standing member. Always true; BAD_USER_INPUT for a direct chat.',
  })
  leaveChat(@Arg('chatId', () => ID, { description: 'A group you are a member of.' }) chatId: string, @Ctx() context: Context): Promise<boolean> {
    return context.services.chats.leave(requireViewer(context), chatId);
  }

  @Mutation(() => Chat, { description: 'Any member of a group adds people; each is announced with a MEMBER_JOINED message. Someone removed earlier can be added back. BAD_USER_INPUT for a direct chat or past 1,000 members; NOT_FOUND when an id names no one.' })
  async addMembers(@Args() { chatId, userIds }: AddMembersArgs, @Ctx() context: Context): Promise<Chat> {
    return asChat(await context.services.chats.addMembers(requireViewer(context), chatId, userIds));
  }

  @Mutation(() => Chat, { description: 'The group’s owner removes a member (announced with MEMBER_REMOVED); their open subscriptions to it end at once. FORBIDDEN unless you own the group; NOT_FOUND when they are not a member.' })
  async removeMember(@Args() { chatId, userId }: RemoveMemberArgs, @Ctx() context: Context): Promise<Chat> {
    return asChat(await context.services.chats.removeMember(requireViewer(context), chatId, userId));
  }

  @Mutation(() => Boolean, {
    description:
      'Tell the chat’s other members you started or stopped typing (they see TypingChanged on chatEvents). Renew it every few seconds while typing: it shows for at most the typing timeout (6 s by default) otherwise. Repeats within a second are dropped. Never stored. Returns true.',
  })
  setTyping(@Args() { chatId, typing }: SetTypingArgs, @Ctx() context: Context): Promise<boolean> {
    return context.services.typing.set(requireViewer(context), chatId, typing);
  }

  @Mutation(() => Chat, { description: 'Any member renames a group (announced with CHAT_RENAMED). BAD_USER_INPUT for a direct chat.' })
  async renameChat(@Args() { chatId, title }: RenameChatArgs, @Ctx() context: Context): Promise<Chat> {
    return asChat(await context.services.chats.rename(requireViewer(context), chatId, title));
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
  chatUpdated(@Root() chat: WatchedChat): Chat {
    return asChat(chat);
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

  @FieldResolver(() => Message, { nullable: true, description: 'The newest message (as it is now: edited, deleted or a system message); null for an empty chat.' })
  lastMessage(@Root() chat: Chat & Pick<WatchedChat, 'lastMessage'>, @Ctx() { loaders }: Context): Promise<Message | null> | Message | null {
    // A live chat list brings the message the bus carried: no read per watcher.
    if (chat.lastMessage && chat.lastMessage.id === chat.lastMessageId) return chat.lastMessage as Message;
    return chat.lastMessageId ? loaders.message.load(chat.lastMessageId) : null;
  }

  @FieldResolver(() => Int, { description: 'Text messages after lastReadSeq: own messages count as read, system messages never count.' })
  @ViewerDependent()
  unreadCount(@Root() chat: Chat): number {
    return Math.max(0, chat.textCount - chat.readTextSeq);
  }

  @FieldResolver(() => [ReadState], { description: 'Where each current member has read up to, in the order their marks last moved.' })
  readStates(@Root() chat: Chat, @Ctx() context: Context): Promise<ReadState[]> {
    return context.services.chats.readStates(chat.id);
  }

  @FieldResolver(() => User, { nullable: true, description: 'The group’s owner: its creator, or whom it passed to when they left. Null for direct chats.' })
  owner(@Root() chat: Chat, @Ctx() { loaders }: Context): Promise<User | null> | null {
    return chat.ownerId ? loaders.user.load(chat.ownerId) : null;
  }

  @FieldResolver(() => String, {
    description: 'The position of the chat’s latest event. Read it with (or before) the history, then subscribe to chatEvents(after: eventCursor): nothing in between is missed.',
  })
  eventCursor(@Root() chat: Chat, @Ctx() context: Context): string {
    return context.services.messages.eventCursor(chat.id, { eventSeq: chat.lastEventSeq, readSeq: chat.readSeq });
  }
}

@Resolver(() => ReadState)
export class ReadStateResolver {
  @FieldResolver(() => User, { description: 'The member.' })
  async user(@Root() state: ReadState, @Ctx() { loaders }: Context): Promise<User> {
    const user = await loaders.user.load(state.userId);
    if (!user) throw new Error(`member ${state.userId} is missing`);
    return user;
  }
}
