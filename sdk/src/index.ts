export { createParleyClient, type MessagePageArgs, type ParleyClient, type ParleyClientOptions } from './client.js';
export { isParleyError, ParleyError, type ParleyErrorCode } from './errors.js';
export { ErrorCode } from './generated/enums.js';
export type {
  ChatEventOptions,
  ChatEventStream,
  ChatUpdateOptions,
  ChatUpdateStream,
  MessageStream,
  PresenceOptions,
  PresenceStream,
  ReconnectOptions,
} from './subscriptions.js';
export type { BackoffOptions } from './backoff.js';
export type { FetchLike } from './http.js';
export type {
  AuthPayload,
  BotPayload,
  Chat,
  ChatConnection,
  ChatDayStats,
  ChatEvent,
  ChatKind,
  Contact,
  Message,
  MessageKind,
  MessageConnection,
  MessageSearchConnection,
  PageInfo,
  Presence,
  PresenceStatus,
  ReadState,
  RetryEvent,
  SentMessage,
  User,
} from './types.js';
