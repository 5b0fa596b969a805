import type { Day } from '../domain/day.js';
import type { Chat, ChatDayStats, ChatKind, MemberChat, ReadState, User } from '../domain/models.js';
import type { WindowActivity } from '../reporting/port.js';
import type { ChatPosition } from '../domain/cursor.js';
import type { SendEnvelope } from '../event-log/port.js';

export interface NewUser {
  id: string;
  username: string;
  displayName: string;
  passwordHash: string;
}

export interface NewBot {
  id: string;
  username: string;
  displayName: string;
  ownerId: string;
  /** The id of its first token. */
  tokenId: string;
}

/** A bot as its owner's requests see it. */
export interface BotRecord {
  user: User;
  ownerId: string;
  /** The id of its valid token, or null once revoked. */
  tokenId: string | null;
}

export interface UserRepository {
  /** Throws CONFLICT when the username is taken. */
  create(user: NewUser): Promise<User>;
  /**
   * Creates a bot of `bot.ownerId` unless they already own `maxPerOwner`
   * (then BAD_USER_INPUT): the owner's row is locked while counting, so
   * concurrent creations cannot overshoot. CONFLICT when the username is taken.
   */
  createBot(bot: NewBot, maxPerOwner: number): Promise<User>;
  /** The bot of that id, or null when there is none (a person's id included). */
  findBot(botId: string): Promise<BotRecord | null>;
  /** Makes `tokenId` the bot's only valid token (null: none); whether the bot had a valid token before. */
  replaceBotToken(botId: string, tokenId: string | null): Promise<boolean>;
  /** Each bot's valid token id (null when revoked); ids that are no bot are absent. */
  botTokenIds(botIds: readonly string[]): Promise<Map<string, string | null>>;
  /** A bot's passwordHash is null: no password opens it. */
  findCredentials(username: string): Promise<{ user: User; passwordHash: string | null } | null>;
  findByIds(ids: readonly string[]): Promise<User[]>;
  search(text: string | null, limit: number): Promise<User[]>;
  /** Moves each user's last-seen time to their `at` (never back), in one statement. */
  recordLastSeen(seen: readonly { userId: string; at: Date }[]): Promise<void>;
  /** Of `userIds`, those the viewer may see the presence of (themselves, and people sharing a chat with them), with when each was last seen. */
  lastSeenVisibleTo(viewerId: string, userIds: readonly string[]): Promise<Map<string, Date | null>>;
}

export interface NewChat {
  kind: ChatKind;
  title: string | null;
  memberIds: string[];
  /** For direct chats: one key per pair, so a pair always lands in one chat. */
  directKey: string | null;
  /** A group's creator; null for direct chats. */
  ownerId: string | null;
}

/** What the persister folds into the chat summary after storing messages. */
export interface ChatActivity {
  chatId: string;
  lastSeq: number;
  lastMessageId: string;
  at: Date;
  /** The chat's latest event and text message count after the batch. */
  lastEventSeq: number;
  textCount: number;
  /** Highest seq each sender wrote in this batch (and the text count there): their own messages count as read. */
  senderSeqs: { senderId: string; seq: number; textSeq: number }[];
}

/** A group as a change sees it: its row locked until the change commits. */
export interface LockedGroup {
  chat: Chat;
  /** Longest-standing first (joined_at, then user id). */
  memberIds: string[];
}

/** What a change to a group writes, in one transaction with the system messages that announce it. */
export interface GroupChange {
  add?: string[];
  remove?: string[];
  title?: string;
  /** The new owner, when ownership passes. */
  ownerId?: string | null;
  /** System messages, moved into the event log after the commit (see ChatOutbox). */
  announce: SendEnvelope[];
}

export interface ChatRepository {
  /**
   * Locks the chat's row, lets `decide` look at it and its members, and
   * writes what it returns (members, title, owner, outbox rows) in the same
   * transaction: two changes to one group never interleave. Throws what
   * `decide` throws, having written nothing.
   */
  changeGroup(chatId: string, decide: (group: LockedGroup) => GroupChange): Promise<{ chat: Chat; change: GroupChange }>;
  /** Outbox rows of one chat, or the oldest of any chat when chatId is null; with `before`, only rows written before it. */
  pendingAnnouncements(chatId: string | null, limit: number, before?: Date): Promise<SendEnvelope[]>;
  /** Forgets outbox rows once their envelopes are in the event log. */
  announced(ids: readonly string[]): Promise<void>;
  create(chat: NewChat): Promise<Chat>;
  /** Returns the existing chat for that direct key, creating it if needed, safe under races. */
  findOrCreateDirect(chat: NewChat & { directKey: string }): Promise<Chat>;
  /** The direct chat of that key, if the pair has one. */
  findDirect(directKey: string): Promise<Chat | null>;
  findById(id: string): Promise<Chat | null>;
  /** The subset of ids that name existing chats. */
  existingIds(ids: readonly string[]): Promise<Set<string>>;
  findForMember(chatId: string, userId: string): Promise<MemberChat | null>;
  listForMember(userId: string, limit: number, after: ChatPosition | null): Promise<MemberChat[]>;
  memberIds(chatIds: readonly string[]): Promise<Map<string, string[]>>;
  /** Every chat the user is a member of. */
  chatIdsOf(userId: string): Promise<string[]>;
  /** The chats of each user, in one query (a swept instance's users, announced together). */
  chatIdsOfUsers(userIds: readonly string[]): Promise<Map<string, string[]>>;
  /** Member ids of one chat, or null when the chat does not exist. */
  membersOf(chatId: string): Promise<string[] | null>;
  /** Whether the user is a member, by one indexed lookup; null when the chat does not exist. */
  isMember(chatId: string, userId: string): Promise<boolean | null>;
  /**
   * lastReadSeq only moves forward and never past the chat's lastSeq; textSeq
   * is the text count at seq. A move takes the chat's next read seq and comes
   * back; null when nothing moved.
   */
  markRead(chatId: string, userId: string, seq: number, textSeq: number): Promise<ReadState | null>;
  /** Current members' read states, in the order their marks last moved; only those that moved after `afterReadSeq` (up to `upToReadSeq`) when given. */
  readStates(chatId: string, afterReadSeq?: number, upToReadSeq?: number): Promise<ReadState[]>;
  recordActivity(activity: ChatActivity[]): Promise<void>;
  /** Moves each chat's lastEventSeq forward to at least the given one (for stores that do not record activity). */
  recordEventSeqs(events: { chatId: string; eventSeq: number }[]): Promise<void>;
  /** For each (chat, user) pair, in one statement: the chat's lastSeq and whether the user is a member (absent: no such chat). */
  liveState(pairs: readonly WatchedPair[]): Promise<LiveState[]>;
  /** Chats in id order after `afterId` (from the first when null), with their recorded lastSeq. */
  lastSeqsAfter(afterId: string | null, limit: number): Promise<{ chatId: string; lastSeq: number }[]>;
}

/** A chat a live subscription follows, and whose subscription it is. */
export interface WatchedPair {
  chatId: string;
  userId: string;
}

export interface LiveState extends WatchedPair {
  lastSeq: number;
  lastEventSeq: number;
  readSeq: number;
  member: boolean;
}

/** The daily summaries: `chat_daily_stats` and `daily_activity`. */
export interface DailyStatsRepository {
  /**
   * Replaces everything recorded for the day with this activity, in one
   * transaction: a re-run leaves exactly its own rows, never a mix.
   */
  replaceDay(day: Day, activity: WindowActivity): Promise<void>;
  /** The chat's recorded days within `from..to` (both included), oldest first. */
  forChat(chatId: string, from: Day, to: Day): Promise<ChatDayStats[]>;
}
