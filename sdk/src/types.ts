import type {
  ChatFieldsFragment,
  ChatKind,
  ChatStatsQuery,
  ChatsQuery,
  MessageFieldsFragment,
  MessagesQuery,
  PageInfoFieldsFragment,
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
export type AuthPayload = SignupMutation['signup'];
export type SentMessage = SendMessageMutation['sendMessage'];
export type ChatDayStats = ChatStatsQuery['chatStats'][number];
export type { ChatKind };

/** Told before each automatic retry, e.g. to show "reconnecting in 2 s". */
export interface RetryEvent {
  operation: 'messageAdded' | 'chatUpdated' | 'sendMessage';
  /** messageAdded and sendMessage: the chat (chatUpdated follows all of them). */
  chatId?: string;
  /** Failed attempts so far in this run of failures: 1 before the first retry (0 for a reconnect on purpose). */
  attempt: number;
  /** How long until the retry; 0 when the client reconnects on purpose (a new token). */
  delayMs: number;
  /** Why the previous attempt failed (always a retryable code: NETWORK or UNAVAILABLE). */
  error: ParleyError;
  /** messageAdded: the seq the stream resumes after. */
  afterSeq?: number | null;
  /** sendMessage: the clientId every attempt carries. */
  clientId?: string;
}
