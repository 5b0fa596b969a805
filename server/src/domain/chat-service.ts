import type { MembershipCache } from '../membership/port.js';
import { chatChannel, userChannel, type RealtimeBus } from '../realtime/port.js';
import type { Announcer } from './announcer.js';
import type { RateLimits } from './rate-limits.js';
import { watchChats, type ChatChanged, type UserChatEvent } from './chat-watch.js';
import type { ChatRepository, UserRepository } from '../relational/ports.js';
import { parseChatCursor, type ChatPosition } from './cursor.js';
import { badInput, forbidden, notFound } from './errors.js';
import { parseId } from './ids.js';
import { LIMITS, pageSize } from './limits.js';
import { nameText } from './text.js';
import type { Chat, MemberChat } from './models.js';

export interface ChatPage {
  chats: MemberChat[];
  hasNextPage: boolean;
}

/** Published on a chat's channel when someone leaves, so their open subscriptions end. */
export interface MemberLeftEvent {
  kind: 'memberLeft';
  chatId: string;
  userId: string;
}

export class ChatService {
  constructor(
    private readonly chats: ChatRepository,
    private readonly users: UserRepository,
    private readonly membership: MembershipCache,
    private readonly bus: RealtimeBus,
    private readonly announcer: Announcer,
    private readonly limits: RateLimits,
  ) {}

  /** The cached membership gate of the hot paths (send, subscribe); returns the parsed chat id. */
  async assertMember(viewerId: string, rawChatId: string): Promise<string> {
    const chatId = parseId(rawChatId, 'chatId');
    const member = await this.membership.isMember(chatId, viewerId);
    if (member === null) throw notFound('Chat not found');
    if (!member) throw forbidden('You are not a member of this chat');
    return chatId;
  }

  /** Leaving is for groups; a direct chat always has its two people. */
  async leave(viewerId: string, rawChatId: string): Promise<boolean> {
    const chat = await this.requireMember(viewerId, rawChatId);
    if (chat.kind === 'DIRECT') throw badInput('You cannot leave a direct chat');
    // Invalidate before and after: a failure before leaves the membership untouched,
    // and the second catches a cache fill that raced the delete. If the second fails,
    // the leave has happened all the same: the first one already kept any such fill
    // out (see MembershipCache.invalidate), so the leave answers true.
    await this.membership.invalidate(chat.id);
    await this.chats.removeMember(chat.id, viewerId);
    await this.membership.invalidate(chat.id).catch(() => undefined);
    // Ends the leaver's open subscriptions on every instance: each one was live before
    // its own membership check (message-stream.ts), so none can miss this. Should the
    // publish itself be lost (or late), the live check cuts them off within LIVE_CHECK_INTERVAL_MS.
    const event: MemberLeftEvent = { kind: 'memberLeft', chatId: chat.id, userId: viewerId };
    await this.announcer.announce(chatChannel(chat.id), event);
    return true;
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
    const chat = await this.chats.findOrCreateDirect({ kind: 'DIRECT', title: null, memberIds: pair, directKey });
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
    const chat = await this.chats.create({ kind: 'GROUP', title, memberIds: [viewerId, ...others], directKey: null });
    await this.tell([viewerId, ...others], 'chatJoined', chat.id);
    return withReadSeq(chat, 0);
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
    await this.chats.markRead(chat.id, viewerId, seq);
    await this.tell([viewerId], 'chatRead', chat.id);
    return this.requireMember(viewerId, chat.id);
  }

  /** Which of the viewer's chats changed, live: for a chat list that reorders and counts unread as it happens. */
  watch(viewerId: string): Promise<AsyncIterable<ChatChanged> & AsyncIterator<ChatChanged>> {
    return watchChats(this.bus, viewerId, () => this.chats.chatIdsOf(viewerId));
  }

  /** Bounded and never fatal (see Announcer): chat lists catch up on their next query. */
  private async tell(userIds: string[], kind: UserChatEvent['kind'], chatId: string): Promise<void> {
    const event: UserChatEvent = { kind, chatId };
    await Promise.all(userIds.map((id) => this.announcer.announce(userChannel(id), event)));
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

const withReadSeq = (chat: Chat, lastReadSeq: number): MemberChat => ({ ...chat, lastReadSeq });
