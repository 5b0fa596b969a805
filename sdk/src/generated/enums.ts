/** Whether a chat is between two people for good, or a group that people join and leave. */
export const ChatKind = {
  /** Two people; created once per pair. */
  DIRECT: 'DIRECT',
  /** A named group with an owner. */
  GROUP: 'GROUP'
} as const;

export type ChatKind = typeof ChatKind[keyof typeof ChatKind];
/** Every `extensions.code` a Parley error carries. Branch on the code, never on the message. */
export const ErrorCode = {
  /** The HTTP request itself is refused: no query, a body that is not JSON or too large, a mutation over GET, or a subscription over HTTP (subscriptions run over graphql-ws). */
  BAD_REQUEST: 'BAD_REQUEST',
  /** The input breaks a limit or is malformed: a length, a page size, an id or cursor, a date, a variable of the wrong type, or a query too deep, too costly or with too many aliases or root fields. Fix the request; retrying it unchanged fails again. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** The request contradicts what is stored: the username is taken (usernames are case-insensitive), or the message to edit was deleted. */
  CONFLICT: 'CONFLICT',
  /** The chat exists but the viewer is not a member (or has left it); or the bot is someone else’s, or a bot asked for what only people may do (own bots). */
  FORBIDDEN: 'FORBIDDEN',
  /** The request is not a GraphQL document, or has more tokens than Parley parses. */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** The document does not fit the schema (an unknown field, a missing argument, a literal of the wrong type). */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** Parley failed unexpectedly; it logged the cause and says no more. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** A chat, user or bot id that does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The operation to run cannot be chosen: `operationName` names none, or is missing where the document holds several. */
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  /** Automatic persisted queries: the hash is unknown; send the query text with it. */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** Automatic persisted queries are not available for this request. */
  PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  /** Too many attempts in the window; `extensions.retryAfterMs` says how many milliseconds to wait. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** No valid token where one is needed, or a wrong username or password. Over graphql-ws: close code 4401. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** An engine needed right now is down, or Parley is shutting down. Retry with backoff; for a send, with the same clientId. */
  UNAVAILABLE: 'UNAVAILABLE'
} as const;

export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode];
/** What a message is: text someone wrote, or a system message about the chat. */
export const MessageKind = {
  /** sender renamed the group; body is the new title. */
  CHAT_RENAMED: 'CHAT_RENAMED',
  /** subject was added to the group by sender. */
  MEMBER_JOINED: 'MEMBER_JOINED',
  /** subject (the sender) left the group. */
  MEMBER_LEFT: 'MEMBER_LEFT',
  /** subject was removed from the group by sender, its owner. */
  MEMBER_REMOVED: 'MEMBER_REMOVED',
  /** Text a member sent. */
  TEXT: 'TEXT'
} as const;

export type MessageKind = typeof MessageKind[keyof typeof MessageKind];
/** Whether someone has Parley open. */
export const PresenceStatus = {
  /** None is; also what anyone sharing no chat with you shows as. */
  OFFLINE: 'OFFLINE',
  /** At least one of their authenticated WebSockets is open, on any instance. */
  ONLINE: 'ONLINE'
} as const;

export type PresenceStatus = typeof PresenceStatus[keyof typeof PresenceStatus];