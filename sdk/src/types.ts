import type {
  ChatFieldsFragment,
  ChatKind,
  ChatEventsSubscription,
  ChatStatsQuery,
  ChatsQuery,
  ContactFieldsFragment,
  CreateBotMutation,
  MessageFieldsFragment,
  MessageKind,
  MessagesQuery,
  PageInfoFieldsFragment,
  PresenceStatus,
  ReadStatesQuery,
  SearchMessagesQuery,
  SendMessageMutation,
  SignupMutation,
  UserFieldsFragment,
} from './generated/graphql.js';
import type { ParleyError } from './errors.js';

// Names for the generated shapes: every operation selects the same fragment of a type,
// so a User, Chat or Message is one type throughout the SDK.
export type User = UserFieldsFragment;
export type Message = MessageFieldsFragment;
export type Chat = ChatFieldsFragment;
export type PageInfo = PageInfoFieldsFragment;
export type ChatConnection = ChatsQuery['chats'];
export type MessageConnection = MessagesQuery['messages'];
/** A page of search results: each edge has the message, a cursor and a `snippet` with every match between [[ and ]]. */
export type MessageSearchConnection = SearchMessagesQuery['searchMessages'];
export type AuthPayload = SignupMutation['signup'];
/** A new bot (`user.isBot` is true) and its token (createBot). */
export type BotPayload = CreateBotMutation['createBot'];
export type SentMessage = SendMessageMutation['sendMessage'];
export type ChatDayStats = ChatStatsQuery['chatStats'][number];
/** One chatEvents event; narrow it by `__typename` (MessageAdded, MessageEdited, MessageDeleted, ChatChanged). */
export type ChatEvent = ChatEventsSubscription['chatEvents'];
/** One member's read position (ReadStatesQuery). */
export type ReadState = NonNullable<ReadStatesQuery['chat']>['readStates'][number];
/**
 * ONLINE while at least one of their sockets is open, `lastSeenAt` null;
 * OFFLINE otherwise, `lastSeenAt` when their last socket closed (ISO 8601;
 * null if never seen). Someone who shares no chat with you always reads
 * OFFLINE, `lastSeenAt` null.
 */
export type Presence = ContactFieldsFragment['presence'];
/** A user with their presence as you see it (presenceChanged, presence()). */
export type Contact = ContactFieldsFragment;
export type { ChatKind, MessageKind, PresenceStatus };

/** Told before each automatic retry, e.g. to show "reconnecting in 2 s". */
export interface RetryEvent {
  operation: 'messageAdded' | 'chatUpdated' | 'chatEvents' | 'presenceChanged' | 'sendMessage';
  /** messageAdded, chatEvents and sendMessage: the chat (chatUpdated and presenceChanged follow all of them). */
  chatId?: string;
  /** Failed attempts so far in this run of failures: 1 before the first retry (0 for a reconnect on purpose). */
  attempt: number;
  /** How long until the retry; 0 when the client reconnects on purpose (a new token). */
  delayMs: number;
  /** Why the previous attempt failed (always a retryable code: NETWORK or UNAVAILABLE). */
  error: ParleyError;
  /** messageAdded: the seq the stream resumes after. */
  afterSeq?: number | null;
  /** chatEvents: the cursor the stream resumes after. */
  after?: string | null;
  /** sendMessage: the clientId every attempt carries. */
  clientId?: string;
}
