export { createParleyClient, type MessagePageArgs, type ParleyClient, type ParleyClientOptions } from './client.js';
export { isParleyError, ParleyError, type ParleyErrorCode } from './errors.js';
export { ErrorCode } from './generated/enums.js';
export type { ChatUpdateOptions, ChatUpdateStream, MessageStream, ReconnectOptions } from './subscriptions.js';
export type { BackoffOptions } from './backoff.js';
export type { FetchLike } from './http.js';
export type {
  AuthPayload,
  Chat,
  ChatConnection,
  ChatDayStats,
  ChatKind,
  Message,
  MessageConnection,
  PageInfo,
  RetryEvent,
  SentMessage,
  User,
} from './types.js';
