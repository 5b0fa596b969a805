import type { MembershipCache } from '../membership/port.js';
import type { RealtimeBus } from '../realtime/port.js';
import { chatChannel, userChannel, type UserChatEvent } from '../realtime/events.js';
import type { Announcer } from './announcer.js';
import type { RateLimits } from './rate-limits.js';
import { watchChats, type WatchedChat } from './chat-watch.js';
import type { MessageStore } from '../message-store/port.js';
import type { ChatRepository, GroupChange, LockedGroup, UserRepository } from '../relational/ports.js';
import { announcement, type ChatOutbox } from './chat-outbox.js';
import { parseChatCursor, type ChatPosition } from './cursor.js';
import { badInput, forbidden, notFound } from './errors.js';
import { storeUnavailable } from './message-stream.js';
import { parseId } from './ids.js';
import { LIMITS, pageSize } from './limits.js';
import { nameText } from './text.js';
import type { Chat, MemberChat, ReadState } from './models.js';

export interface ChatPage {
  chats: MemberChat[];
  hasNextPage: boolean;
}

export class ChatService {
  constructor(
    private readonly chats: ChatRepository,
    private readonly users: UserRepository,
    private readonly membership: MembershipCache,
    private readonly bus: RealtimeBus,
    private readonly announcer: Announcer,
    private readonly limits: RateLimits,
    private readonly store: Pick<MessageStore, 'textSeqAt'>,
    private readonly outbox: ChatOutbox,
  ) {}

  /** The cached membership gate of the hot paths (send, subscribe); returns the parsed chat id. */
  async assertMember(viewerId: string, rawChatId: string): Promise<string> {
    const chatId = parseId(rawChatId, 'chatId');
    const member = await this.membership.isMember(chatId, viewerId);
    if (member === null) throw notFound('Chat not found');
    if (!member) throw forbidden('You are not a member of this chat');
    return chatId;
  }

  /**
   * Leaving is for groups; a direct chat always has its two people. An owner
   * who leaves passes the group to its longest-standing member.
   */
  async leave(viewerId: string, rawChatId: string): Promise<boolean> {
    const { id } = await this.requireMember(viewerId, rawChatId);
    await this.changeGroup(id, ({ chat, memberIds }) => {
      if (chat.kind === 'DIRECT') throw badInput('You cannot leave a direct chat');
      if (!memberIds.includes(viewerId)) throw forbidden('You are not a member of this chat');
      const heir = memberIds.find((m) => m !== viewerId) ?? null;
      return {
        remove: [viewerId],
        ...(chat.ownerId === viewerId ? { ownerId: heir } : {}),
        announce: [announcement(id, viewerId, 'MEMBER_LEFT', viewerId)],
      };
    });
    return true;
  }

  /** Any member of a group adds people; each one is announced with MEMBER_JOINED. Members already in are skipped. */
  async addMembers(viewerId: string, rawChatId: string, rawUserIds: string[]): Promise<MemberChat> {
    const { id } = await this.requireMember(viewerId, rawChatId);
    const userIds = [...new Set(rawUserIds.map((u) => parseId(u, 'userIds')))];
    if (userIds.length === 0) throw badInput('userIds must name at least one user');
    if (userIds.length > LIMITS.groupMembersMax) throw badInput(`at most ${LIMITS.groupMembersMax} users at a time`);
    await this.requireUsers(userIds);
    const change = await this.changeGroup(id, ({ chat, memberIds }) => {
      if (chat.kind === 'DIRECT') throw badInput('You cannot add people to a direct chat; create a group instead');
      if (!memberIds.includes(viewerId)) throw forbidden('You are not a member of this chat');
      const added = userIds.filter((u) => !memberIds.includes(u));
      if (memberIds.length + added.length > LIMITS.groupMembersMax) throw badInput(`a group has at most ${LIMITS.groupMembersMax} members`);
      return { add: added, announce: added.map((u) => announcement(id, viewerId, 'MEMBER_JOINED', u)) };
    });
    await this.tell(change.add ?? [], 'chatJoined', id);
    return this.requireMember(viewerId, id);
  }

  /** The group's owner removes a member, announced with MEMBER_REMOVED; their subscriptions to it end at once. */
  async removeMember(viewerId: string, rawChatId: string, rawUserId: string): Promise<MemberChat> {
    const userId = parseId(rawUserId, 'userId');
    const { id } = await this.requireMember(viewerId, rawChatId);
    await this.changeGroup(id, ({ chat, memberIds }) => {
      if (chat.kind === 'DIRECT') throw badInput('A direct chat always has its two people');
      if (chat.ownerId !== viewerId) throw forbidden('Only the group’s owner can remove members');
      if (userId === viewerId) throw badInput('To leave a group, use leaveChat');
      if (!memberIds.includes(userId)) throw notFound('That user is not a member of this chat');
      return { remove: [userId], announce: [announcement(id, viewerId, 'MEMBER_REMOVED', userId)] };
    });
    return this.requireMember(viewerId, id);
  }

  /** Any member renames a group, announced with CHAT_RENAMED (its body is the new title). */
  async rename(viewerId: string, rawChatId: string, rawTitle: string): Promise<MemberChat> {
    const title = nameText(rawTitle, 'title', LIMITS.titleMax);
    if (title === '') throw badInput(`title must be 1 to ${LIMITS.titleMax} characters`);
    const { id } = await this.requireMember(viewerId, rawChatId);
    await this.changeGroup(id, ({ chat, memberIds }) => {
      if (chat.kind === 'DIRECT') throw badInput('A direct chat has no title to rename');
      if (!memberIds.includes(viewerId)) throw forbidden('You are not a member of this chat');
      if (chat.title === title) return { announce: [] };
      return { title, announce: [announcement(id, viewerId, 'CHAT_RENAMED', null, title)] };
    });
    return this.requireMember(viewerId, id);
  }

  /**
   * Runs a change to a group under its row lock, then announces it: the
   * system messages go to the event log (the outbox keeps them should that
   * fail), and people who left or were removed have their subscriptions to
   * the chat ended on every instance.
   */
  private async changeGroup(chatId: string, decide: (group: LockedGroup) => GroupChange): Promise<GroupChange> {
    // Invalidate before and after: a failure before leaves the membership untouched, and
    // the second catches a cache fill that raced the change (see MembershipCache.invalidate).
    await this.membership.invalidate(chatId);
    const { change } = await this.chats.changeGroup(chatId, decide);
    const removed = change.remove ?? [];
    if (removed.length > 0 || (change.add?.length ?? 0) > 0) await this.membership.invalidate(chatId).catch(() => undefined);
    // Ends their open subscriptions on every instance: each one was live before its own
    // membership check (message-stream.ts), so none can miss this. Should the publish be
    // lost, the live check cuts them off within LIVE_CHECK_INTERVAL_MS.
    await Promise.all(removed.map((userId) => this.announcer.announce(chatChannel(chatId), { type: 'memberLeft' as const, chatId, userId })));
    // Their presence watchers stop hearing about the people of this chat.
    await this.tell(removed, 'chatLeft', chatId);
    // The change has happened; an announcement the log cannot take now is appended by the outbox drain.
    await this.outbox.flush(chatId).catch(() => undefined);
    return change;
  }

  /** The one membership gate: NOT_FOUND for a chat that does not exist, FORBIDDEN for one the viewer is not in. */
  async requireMember(viewerId: string, rawChatId: string): Promise<MemberChat> {
    const chatId = parseId(rawChatId, 'chatId');
    const chat = await this.chats.findForMember(chatId, viewerId);
    if (chat) return chat;
    if (await this.chats.findById(chatId)) throw forbidden('You are not a member of this chat');
    throw notFound('Chat not found');
  }

  async createDirect(viewerId: string, rawUserId: string): Promise<MemberChat> {
    const userId = parseId(rawUserId, 'userId');
    if (userId === viewerId) throw badInput('A direct chat needs another user');
    await this.requireUsers([userId]);
    const pair = [viewerId, userId].sort();
    const directKey = pair.join(':');
    // Opening a direct chat the pair already has creates nothing, so only a new one is counted.
    if (!(await this.chats.findDirect(directKey))) await this.limits.checkChatCreate(viewerId);
    const chat = await this.chats.findOrCreateDirect({ kind: 'DIRECT', title: null, memberIds: pair, directKey, ownerId: null });
    await this.tell(pair, 'chatJoined', chat.id);
    return this.requireMember(viewerId, chat.id);
  }

  async createGroup(viewerId: string, rawTitle: string, rawMemberIds: string[]): Promise<MemberChat> {
    const title = nameText(rawTitle, 'title', LIMITS.titleMax);
    if (title === '') throw badInput(`title must be 1 to ${LIMITS.titleMax} characters`);
    if (rawMemberIds.length > LIMITS.groupMembersMax) {
      throw badInput(`a group can start with at most ${LIMITS.groupMembersMax} members`);
    }
    const others = [...new Set(rawMemberIds.map((id) => parseId(id, 'memberIds')))].filter((id) => id !== viewerId);
    await this.requireUsers(others);
    await this.limits.checkChatCreate(viewerId);
    const chat = await this.chats.create({ kind: 'GROUP', title, memberIds: [viewerId, ...others], directKey: null, ownerId: viewerId });
    await this.tell([viewerId, ...others], 'chatJoined', chat.id);
    return withReadSeq(chat, 0);
  }

  /**
   * The chat for a live event the viewer's stream already received: as a
   * member sees it, or with nothing read when the event was their own removal
   * (the stream ends right after it).
   */
  async asSeenBy(viewerId: string, chatId: string): Promise<MemberChat> {
    const member = await this.chats.findForMember(chatId, viewerId);
    if (member) return member;
    const chat = await this.chats.findById(chatId);
    if (!chat) throw notFound('Chat not found');
    return { ...chat, lastReadSeq: chat.lastSeq, readTextSeq: chat.textCount };
  }

  get(viewerId: string, rawChatId: string): Promise<MemberChat> {
    return this.requireMember(viewerId, rawChatId);
  }

  async list(viewerId: string, first: number | null | undefined, after: string | null | undefined): Promise<ChatPage> {
    const limit = pageSize(first, 'first');
    const position: ChatPosition | null = after ? parseChatCursor(after) : null;
    const chats = await this.chats.listForMember(viewerId, limit + 1, position);
    return { chats: chats.slice(0, limit), hasNextPage: chats.length > limit };
  }

  async markRead(viewerId: string, rawChatId: string, seq: number): Promise<MemberChat> {
    if (!Number.isInteger(seq) || seq < 0) throw badInput('seq must be a non-negative integer');
    const chat = await this.requireMember(viewerId, rawChatId);
    const upTo = Math.min(seq, chat.lastSeq);
    if (upTo > chat.lastReadSeq) {
      // Unread counts count text messages: the read mark carries the text count where it stands.
      const textSeq = await this.store.textSeqAt(chat.id, upTo).catch(storeUnavailable);
      const moved = await this.chats.markRead(chat.id, viewerId, upTo, textSeq);
      // The others' chatEvents show it (a lost publish is caught up by their next receipt or resume).
      if (moved) await this.announcer.announce(chatChannel(chat.id), { type: 'readMoved' as const, chatId: chat.id, ...moved, readAt: moved.readAt ?? new Date() });
    }
    await this.tell([viewerId], 'chatRead', chat.id);
    return this.requireMember(viewerId, chat.id);
  }

  /** Which of the viewer's chats changed, live: for a chat list that reorders and counts unread as it happens. */
  watch(viewerId: string): Promise<AsyncIterable<WatchedChat> & AsyncIterator<WatchedChat>> {
    return watchChats(this.bus, viewerId, {
      chatIds: () => this.chats.chatIdsOf(viewerId),
      load: (chatId) => this.chats.findForMember(chatId, viewerId),
    });
  }

  /** Bounded and never fatal (see Announcer): chat lists catch up on their next query. */
  private async tell(userIds: string[], type: UserChatEvent['type'], chatId: string): Promise<void> {
    const event: UserChatEvent = { type, chatId };
    await Promise.all(userIds.map((id) => this.announcer.announce(userChannel(id), event)));
  }

  /** Read states of the chat's current members; only those whose mark moved after `afterReadSeq` (up to `upToReadSeq`) when given. */
  readStates(chatId: string, afterReadSeq?: number, upToReadSeq?: number): Promise<ReadState[]> {
    return this.chats.readStates(chatId, afterReadSeq, upToReadSeq);
  }

  /** Every chat the viewer is a member of now. */
  memberChatIds(viewerId: string): Promise<string[]> {
    return this.chats.chatIdsOf(viewerId);
  }

  memberIds(chatIds: readonly string[]): Promise<Map<string, string[]>> {
    return this.chats.memberIds(chatIds);
  }

  private async requireUsers(ids: string[]): Promise<void> {
    const found = new Set((await this.users.findByIds(ids)).map((u) => u.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) throw notFound(`No user with id ${missing[0]}`);
  }
}

const withReadSeq = (chat: Chat, lastReadSeq: number): MemberChat => ({ ...chat, lastReadSeq, readTextSeq: 0 });
