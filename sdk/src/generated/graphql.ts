/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
import { gql } from '@urql/core';
/** Whether a chat is between two people for good, or a group that people join and leave. */
export type ChatKind =
  /** Two people; created once per pair. */
  | 'DIRECT'
  /** A named group with an owner. */
  | 'GROUP';

/** What a message is: text someone wrote, or a system message about the chat. */
export type MessageKind =
  /** sender renamed the group; body is the new title. */
  | 'CHAT_RENAMED'
  /** subject was added to the group by sender. */
  | 'MEMBER_JOINED'
  /** subject (the sender) left the group. */
  | 'MEMBER_LEFT'
  /** subject was removed from the group by sender, its owner. */
  | 'MEMBER_REMOVED'
  /** Text a member sent. */
  | 'TEXT';

/** Whether someone has Parley open. */
export type PresenceStatus =
  /** None is; also what anyone sharing no chat with you shows as. */
  | 'OFFLINE'
  /** At least one of their authenticated WebSockets is open, on any instance. */
  | 'ONLINE';

export type SignupMutationVariables = Exact<{
  username: string;
  password: string;
  displayName?: string | null | undefined;
}>;


export type SignupMutation = { signup: { token: string, user: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } };

export type LoginMutationVariables = Exact<{
  username: string;
  password: string;
}>;


export type LoginMutation = { login: { token: string, user: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } };

export type CreateBotMutationVariables = Exact<{
  username: string;
  displayName?: string | null | undefined;
}>;


export type CreateBotMutation = { createBot: { token: string, user: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } };

export type RevokeBotTokenMutationVariables = Exact<{
  botId: string | number;
}>;


export type RevokeBotTokenMutation = { revokeBotToken: boolean };

export type IssueBotTokenMutationVariables = Exact<{
  botId: string | number;
}>;


export type IssueBotTokenMutation = { issueBotToken: string };

export type ChatsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ChatsQuery = { chats: { edges: Array<{ cursor: string, node: { id: string, kind: ChatKind, title: string | null, lastSeq: number, lastReadSeq: number, unreadCount: number, eventCursor: string, memberCount: number, createdAt: string, updatedAt: string, owner: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, members: Array<{ id: string, username: string, displayName: string, createdAt: string, isBot: boolean }>, lastMessage: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } | null } }>, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null } } };

export type ChatQueryVariables = Exact<{
  id: string | number;
}>;


export type ChatQuery = { chat: { id: string, kind: ChatKind, title: string | null, lastSeq: number, lastReadSeq: number, unreadCount: number, eventCursor: string, memberCount: number, createdAt: string, updatedAt: string, owner: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, members: Array<{ id: string, username: string, displayName: string, createdAt: string, isBot: boolean }>, lastMessage: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } | null } | null };

export type CreateDirectChatMutationVariables = Exact<{
  userId: string | number;
}>;


export type CreateDirectChatMutation = { createDirectChat: { id: string, kind: ChatKind, title: string | null, lastSeq: number, lastReadSeq: number, unreadCount: number, eventCursor: string, memberCount: number, createdAt: string, updatedAt: string, owner: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, members: Array<{ id: string, username: string, displayName: string, createdAt: string, isBot: boolean }>, lastMessage: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } | null } };

export type CreateGroupChatMutationVariables = Exact<{
  title: string;
  memberIds: Array<string | number> | string | number;
}>;


export type CreateGroupChatMutation = { createGroupChat: { id: string, kind: ChatKind, title: string | null, lastSeq: number, lastReadSeq: number, unreadCount: number, eventCursor: string, memberCount: number, createdAt: string, updatedAt: string, owner: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, members: Array<{ id: string, username: string, displayName: string, createdAt: string, isBot: boolean }>, lastMessage: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } | null } };

export type MarkReadMutationVariables = Exact<{
  chatId: string | number;
  seq: number;
}>;


export type MarkReadMutation = { markRead: { id: string, kind: ChatKind, title: string | null, lastSeq: number, lastReadSeq: number, unreadCount: number, eventCursor: string, memberCount: number, createdAt: string, updatedAt: string, owner: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, members: Array<{ id: string, username: string, displayName: string, createdAt: string, isBot: boolean }>, lastMessage: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } | null } };

export type LeaveChatMutationVariables = Exact<{
  chatId: string | number;
}>;


export type LeaveChatMutation = { leaveChat: boolean };

export type AddMembersMutationVariables = Exact<{
  chatId: string | number;
  userIds: Array<string | number> | string | number;
}>;


export type AddMembersMutation = { addMembers: { id: string, kind: ChatKind, title: string | null, lastSeq: number, lastReadSeq: number, unreadCount: number, eventCursor: string, memberCount: number, createdAt: string, updatedAt: string, owner: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, members: Array<{ id: string, username: string, displayName: string, createdAt: string, isBot: boolean }>, lastMessage: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } | null } };

export type RemoveMemberMutationVariables = Exact<{
  chatId: string | number;
  userId: string | number;
}>;


export type RemoveMemberMutation = { removeMember: { id: string, kind: ChatKind, title: string | null, lastSeq: number, lastReadSeq: number, unreadCount: number, eventCursor: string, memberCount: number, createdAt: string, updatedAt: string, owner: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, members: Array<{ id: string, username: string, displayName: string, createdAt: string, isBot: boolean }>, lastMessage: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } | null } };

export type RenameChatMutationVariables = Exact<{
  chatId: string | number;
  title: string;
}>;


export type RenameChatMutation = { renameChat: { id: string, kind: ChatKind, title: string | null, lastSeq: number, lastReadSeq: number, unreadCount: number, eventCursor: string, memberCount: number, createdAt: string, updatedAt: string, owner: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, members: Array<{ id: string, username: string, displayName: string, createdAt: string, isBot: boolean }>, lastMessage: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } | null } };

export type ChatUpdatedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type ChatUpdatedSubscription = { chatUpdated: { id: string, kind: ChatKind, title: string | null, lastSeq: number, lastReadSeq: number, unreadCount: number, eventCursor: string, memberCount: number, createdAt: string, updatedAt: string, owner: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, members: Array<{ id: string, username: string, displayName: string, createdAt: string, isBot: boolean }>, lastMessage: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } | null } };

export type SetTypingMutationVariables = Exact<{
  chatId: string | number;
  typing: boolean;
}>;


export type SetTypingMutation = { setTyping: boolean };

export type ReadStatesQueryVariables = Exact<{
  chatId: string | number;
}>;


export type ReadStatesQuery = { chat: { id: string, readStates: Array<{ lastReadSeq: number, readAt: string | null, user: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } }> } | null };

export type OpenChatQueryVariables = Exact<{
  id: string | number;
}>;


export type OpenChatQuery = { chat: { id: string, kind: ChatKind, title: string | null, lastSeq: number, lastReadSeq: number, unreadCount: number, eventCursor: string, memberCount: number, createdAt: string, updatedAt: string, readStates: Array<{ lastReadSeq: number, readAt: string | null, user: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } }>, owner: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, members: Array<{ id: string, username: string, displayName: string, createdAt: string, isBot: boolean }>, lastMessage: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } | null } | null };

export type UserFieldsFragment = { id: string, username: string, displayName: string, createdAt: string, isBot: boolean };

export type RepliedFieldsFragment = { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } };

export type MessageFieldsFragment = { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null };

export type ChatFieldsFragment = { id: string, kind: ChatKind, title: string | null, lastSeq: number, lastReadSeq: number, unreadCount: number, eventCursor: string, memberCount: number, createdAt: string, updatedAt: string, owner: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, members: Array<{ id: string, username: string, displayName: string, createdAt: string, isBot: boolean }>, lastMessage: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } | null };

export type PageInfoFieldsFragment = { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null };

export type ContactFieldsFragment = { id: string, username: string, displayName: string, createdAt: string, isBot: boolean, presence: { status: PresenceStatus, lastSeenAt: string | null } };

export type MessagesQueryVariables = Exact<{
  chatId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}>;


export type MessagesQuery = { messages: { edges: Array<{ cursor: string, node: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } }>, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null } } };

export type SendMessageMutationVariables = Exact<{
  chatId: string | number;
  body: string;
  clientId?: string | null | undefined;
  replyToId?: string | number | null | undefined;
}>;


export type SendMessageMutation = { sendMessage: { messageId: string, chatId: string, clientId: string, acceptedAt: string } };

export type MessageAddedSubscriptionVariables = Exact<{
  chatId: string | number;
  afterSeq?: number | null | undefined;
}>;


export type MessageAddedSubscription = { messageAdded: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } };

export type EditMessageMutationVariables = Exact<{
  messageId: string | number;
  body: string;
}>;


export type EditMessageMutation = { editMessage: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } };

export type DeleteMessageMutationVariables = Exact<{
  messageId: string | number;
}>;


export type DeleteMessageMutation = { deleteMessage: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } };

export type ChatEventsSubscriptionVariables = Exact<{
  chatId: string | number;
  after?: string | null | undefined;
}>;


export type ChatEventsSubscription = { chatEvents:
    | { __typename: 'ChatChanged', cursor: string, chatId: string, chat: { id: string, kind: ChatKind, title: string | null, lastSeq: number, lastReadSeq: number, unreadCount: number, eventCursor: string, memberCount: number, createdAt: string, updatedAt: string, owner: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, members: Array<{ id: string, username: string, displayName: string, createdAt: string, isBot: boolean }>, lastMessage: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } | null } }
    | { __typename: 'MessageAdded', cursor: string, chatId: string, message: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } }
    | { __typename: 'MessageDeleted', cursor: string, chatId: string, message: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } }
    | { __typename: 'MessageEdited', cursor: string, chatId: string, message: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } }
    | { __typename: 'ReadPositionMoved', lastReadSeq: number, cursor: string, chatId: string, user: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } }
    | { __typename: 'TypingChanged', typing: boolean, cursor: string, chatId: string, user: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } }
   };

export type SearchMessagesQueryVariables = Exact<{
  query: string;
  chatId?: string | number | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type SearchMessagesQuery = { searchMessages: { edges: Array<{ cursor: string, snippet: string, node: { id: string, chatId: string, seq: number, kind: MessageKind, clientId: string | null, body: string, createdAt: string, editedAt: string | null, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean }, subject: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } | null, replyTo: { id: string, seq: number, kind: MessageKind, body: string, deletedAt: string | null, sender: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } } | null } }>, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null } } };

export type ChatPresenceQueryVariables = Exact<{
  chatId: string | number;
  first?: number | null | undefined;
}>;


export type ChatPresenceQuery = { chat: { id: string, members: Array<{ id: string, username: string, displayName: string, createdAt: string, isBot: boolean, presence: { status: PresenceStatus, lastSeenAt: string | null } }> } | null };

export type PresenceChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type PresenceChangedSubscription = { presenceChanged: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean, presence: { status: PresenceStatus, lastSeenAt: string | null } } };

export type ChatStatsQueryVariables = Exact<{
  chatId: string | number;
  from: string;
  to: string;
}>;


export type ChatStatsQuery = { chatStats: Array<{ day: string, messages: number, senders: number, firstMessageAt: string, lastMessageAt: string }> };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, username: string, displayName: string, createdAt: string, isBot: boolean } };

export type UsersQueryVariables = Exact<{
  search?: string | null | undefined;
  first?: number | null | undefined;
}>;


export type UsersQuery = { users: Array<{ id: string, username: string, displayName: string, createdAt: string, isBot: boolean }> };

export const UserFieldsFragmentDoc = /*#__PURE__*/ gql`
    fragment UserFields on User {
  id
  username
  displayName
  createdAt
  isBot
}
    ` as unknown as DocumentNode<UserFieldsFragment, unknown>;
export const RepliedFieldsFragmentDoc = /*#__PURE__*/ gql`
    fragment RepliedFields on Message {
  id
  seq
  kind
  body
  deletedAt
  sender {
    ...UserFields
  }
}
    ` as unknown as DocumentNode<RepliedFieldsFragment, unknown>;
export const MessageFieldsFragmentDoc = /*#__PURE__*/ gql`
    fragment MessageFields on Message {
  id
  chatId
  seq
  kind
  clientId
  body
  createdAt
  editedAt
  deletedAt
  sender {
    ...UserFields
  }
  subject {
    ...UserFields
  }
  replyTo {
    ...RepliedFields
  }
}
    ` as unknown as DocumentNode<MessageFieldsFragment, unknown>;
export const ChatFieldsFragmentDoc = /*#__PURE__*/ gql`
    fragment ChatFields on Chat {
  id
  kind
  title
  lastSeq
  lastReadSeq
  unreadCount
  eventCursor
  memberCount
  createdAt
  updatedAt
  owner {
    ...UserFields
  }
  members {
    ...UserFields
  }
  lastMessage {
    ...MessageFields
  }
}
    ` as unknown as DocumentNode<ChatFieldsFragment, unknown>;
export const PageInfoFieldsFragmentDoc = /*#__PURE__*/ gql`
    fragment PageInfoFields on PageInfo {
  hasNextPage
  hasPreviousPage
  startCursor
  endCursor
}
    ` as unknown as DocumentNode<PageInfoFieldsFragment, unknown>;
export const ContactFieldsFragmentDoc = /*#__PURE__*/ gql`
    fragment ContactFields on User {
  ...UserFields
  presence {
    status
    lastSeenAt
  }
}
    ` as unknown as DocumentNode<ContactFieldsFragment, unknown>;
export const SignupDocument = /*#__PURE__*/ gql`
    mutation Signup($username: String!, $password: String!, $displayName: String) {
  signup(username: $username, password: $password, displayName: $displayName) {
    token
    user {
      ...UserFields
    }
  }
}
    ${UserFieldsFragmentDoc}` as unknown as DocumentNode<SignupMutation, SignupMutationVariables>;
export const LoginDocument = /*#__PURE__*/ gql`
    mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    token
    user {
      ...UserFields
    }
  }
}
    ${UserFieldsFragmentDoc}` as unknown as DocumentNode<LoginMutation, LoginMutationVariables>;
export const CreateBotDocument = /*#__PURE__*/ gql`
    mutation CreateBot($username: String!, $displayName: String) {
  createBot(username: $username, displayName: $displayName) {
    token
    user {
      ...UserFields
    }
  }
}
    ${UserFieldsFragmentDoc}` as unknown as DocumentNode<CreateBotMutation, CreateBotMutationVariables>;
export const RevokeBotTokenDocument = /*#__PURE__*/ gql`
    mutation RevokeBotToken($botId: ID!) {
  revokeBotToken(botId: $botId)
}
    ` as unknown as DocumentNode<RevokeBotTokenMutation, RevokeBotTokenMutationVariables>;
export const IssueBotTokenDocument = /*#__PURE__*/ gql`
    mutation IssueBotToken($botId: ID!) {
  issueBotToken(botId: $botId)
}
    ` as unknown as DocumentNode<IssueBotTokenMutation, IssueBotTokenMutationVariables>;
export const ChatsDocument = /*#__PURE__*/ gql`
    query Chats($first: Int, $after: String) {
  chats(first: $first, after: $after) {
    edges {
      cursor
      node {
        ...ChatFields
      }
    }
    pageInfo {
      ...PageInfoFields
    }
  }
}
    ${ChatFieldsFragmentDoc}
${UserFieldsFragmentDoc}
${MessageFieldsFragmentDoc}
${RepliedFieldsFragmentDoc}
${PageInfoFieldsFragmentDoc}` as unknown as DocumentNode<ChatsQuery, ChatsQueryVariables>;
export const ChatDocument = /*#__PURE__*/ gql`
    query Chat($id: ID!) {
  chat(id: $id) {
    ...ChatFields
  }
}
    ${ChatFieldsFragmentDoc}
${UserFieldsFragmentDoc}
${MessageFieldsFragmentDoc}
${RepliedFieldsFragmentDoc}` as unknown as DocumentNode<ChatQuery, ChatQueryVariables>;
export const CreateDirectChatDocument = /*#__PURE__*/ gql`
    mutation CreateDirectChat($userId: ID!) {
  createDirectChat(userId: $userId) {
    ...ChatFields
  }
}
    ${ChatFieldsFragmentDoc}
${UserFieldsFragmentDoc}
${MessageFieldsFragmentDoc}
${RepliedFieldsFragmentDoc}` as unknown as DocumentNode<CreateDirectChatMutation, CreateDirectChatMutationVariables>;
export const CreateGroupChatDocument = /*#__PURE__*/ gql`
    mutation CreateGroupChat($title: String!, $memberIds: [ID!]!) {
  createGroupChat(title: $title, memberIds: $memberIds) {
    ...ChatFields
  }
}
    ${ChatFieldsFragmentDoc}
${UserFieldsFragmentDoc}
${MessageFieldsFragmentDoc}
${RepliedFieldsFragmentDoc}` as unknown as DocumentNode<CreateGroupChatMutation, CreateGroupChatMutationVariables>;
export const MarkReadDocument = /*#__PURE__*/ gql`
    mutation MarkRead($chatId: ID!, $seq: Int!) {
  markRead(chatId: $chatId, seq: $seq) {
    ...ChatFields
  }
}
    ${ChatFieldsFragmentDoc}
${UserFieldsFragmentDoc}
${MessageFieldsFragmentDoc}
${RepliedFieldsFragmentDoc}` as unknown as DocumentNode<MarkReadMutation, MarkReadMutationVariables>;
export const LeaveChatDocument = /*#__PURE__*/ gql`
    mutation LeaveChat($chatId: ID!) {
  leaveChat(chatId: $chatId)
}
    ` as unknown as DocumentNode<LeaveChatMutation, LeaveChatMutationVariables>;
export const AddMembersDocument = /*#__PURE__*/ gql`
    mutation AddMembers($chatId: ID!, $userIds: [ID!]!) {
  addMembers(chatId: $chatId, userIds: $userIds) {
    ...ChatFields
  }
}
    ${ChatFieldsFragmentDoc}
${UserFieldsFragmentDoc}
${MessageFieldsFragmentDoc}
${RepliedFieldsFragmentDoc}` as unknown as DocumentNode<AddMembersMutation, AddMembersMutationVariables>;
export const RemoveMemberDocument = /*#__PURE__*/ gql`
    mutation RemoveMember($chatId: ID!, $userId: ID!) {
  removeMember(chatId: $chatId, userId: $userId) {
    ...ChatFields
  }
}
    ${ChatFieldsFragmentDoc}
${UserFieldsFragmentDoc}
${MessageFieldsFragmentDoc}
${RepliedFieldsFragmentDoc}` as unknown as DocumentNode<RemoveMemberMutation, RemoveMemberMutationVariables>;
export const RenameChatDocument = /*#__PURE__*/ gql`
    mutation RenameChat($chatId: ID!, $title: String!) {
  renameChat(chatId: $chatId, title: $title) {
    ...ChatFields
  }
}
    ${ChatFieldsFragmentDoc}
${UserFieldsFragmentDoc}
${MessageFieldsFragmentDoc}
${RepliedFieldsFragmentDoc}` as unknown as DocumentNode<RenameChatMutation, RenameChatMutationVariables>;
export const ChatUpdatedDocument = /*#__PURE__*/ gql`
    subscription ChatUpdated {
  chatUpdated {
    ...ChatFields
  }
}
    ${ChatFieldsFragmentDoc}
${UserFieldsFragmentDoc}
${MessageFieldsFragmentDoc}
${RepliedFieldsFragmentDoc}` as unknown as DocumentNode<ChatUpdatedSubscription, ChatUpdatedSubscriptionVariables>;
export const SetTypingDocument = /*#__PURE__*/ gql`
    mutation SetTyping($chatId: ID!, $typing: Boolean!) {
  setTyping(chatId: $chatId, typing: $typing)
}
    ` as unknown as DocumentNode<SetTypingMutation, SetTypingMutationVariables>;
export const ReadStatesDocument = /*#__PURE__*/ gql`
    query ReadStates($chatId: ID!) {
  chat(id: $chatId) {
    id
    readStates {
      user {
        ...UserFields
      }
      lastReadSeq
      readAt
    }
  }
}
    ${UserFieldsFragmentDoc}` as unknown as DocumentNode<ReadStatesQuery, ReadStatesQueryVariables>;
export const OpenChatDocument = /*#__PURE__*/ gql`
    query OpenChat($id: ID!) {
  chat(id: $id) {
    ...ChatFields
    readStates {
      user {
        ...UserFields
      }
      lastReadSeq
      readAt
    }
  }
}
    ${ChatFieldsFragmentDoc}
${UserFieldsFragmentDoc}
${MessageFieldsFragmentDoc}
${RepliedFieldsFragmentDoc}` as unknown as DocumentNode<OpenChatQuery, OpenChatQueryVariables>;
export const MessagesDocument = /*#__PURE__*/ gql`
    query Messages($chatId: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  messages(
    chatId: $chatId
    first: $first
    after: $after
    last: $last
    before: $before
  ) {
    edges {
      cursor
      node {
        ...MessageFields
      }
    }
    pageInfo {
      ...PageInfoFields
    }
  }
}
    ${MessageFieldsFragmentDoc}
${UserFieldsFragmentDoc}
${RepliedFieldsFragmentDoc}
${PageInfoFieldsFragmentDoc}` as unknown as DocumentNode<MessagesQuery, MessagesQueryVariables>;
export const SendMessageDocument = /*#__PURE__*/ gql`
    mutation SendMessage($chatId: ID!, $body: String!, $clientId: String, $replyToId: ID) {
  sendMessage(
    chatId: $chatId
    body: $body
    clientId: $clientId
    replyToId: $replyToId
  ) {
    messageId
    chatId
    clientId
    acceptedAt
  }
}
    ` as unknown as DocumentNode<SendMessageMutation, SendMessageMutationVariables>;
export const MessageAddedDocument = /*#__PURE__*/ gql`
    subscription MessageAdded($chatId: ID!, $afterSeq: Int) {
  messageAdded(chatId: $chatId, afterSeq: $afterSeq) {
    ...MessageFields
  }
}
    ${MessageFieldsFragmentDoc}
${UserFieldsFragmentDoc}
${RepliedFieldsFragmentDoc}` as unknown as DocumentNode<MessageAddedSubscription, MessageAddedSubscriptionVariables>;
export const EditMessageDocument = /*#__PURE__*/ gql`
    mutation EditMessage($messageId: ID!, $body: String!) {
  editMessage(messageId: $messageId, body: $body) {
    ...MessageFields
  }
}
    ${MessageFieldsFragmentDoc}
${UserFieldsFragmentDoc}
${RepliedFieldsFragmentDoc}` as unknown as DocumentNode<EditMessageMutation, EditMessageMutationVariables>;
export const DeleteMessageDocument = /*#__PURE__*/ gql`
    mutation DeleteMessage($messageId: ID!) {
  deleteMessage(messageId: $messageId) {
    ...MessageFields
  }
}
    ${MessageFieldsFragmentDoc}
${UserFieldsFragmentDoc}
${RepliedFieldsFragmentDoc}` as unknown as DocumentNode<DeleteMessageMutation, DeleteMessageMutationVariables>;
export const ChatEventsDocument = /*#__PURE__*/ gql`
    subscription ChatEvents($chatId: ID!, $after: String) {
  chatEvents(chatId: $chatId, after: $after) {
    __typename
    cursor
    chatId
    ... on MessageAdded {
      message {
        ...MessageFields
      }
    }
    ... on MessageEdited {
      message {
        ...MessageFields
      }
    }
    ... on MessageDeleted {
      message {
        ...MessageFields
      }
    }
    ... on ChatChanged {
      chat {
        ...ChatFields
      }
    }
    ... on TypingChanged {
      user {
        ...UserFields
      }
      typing
    }
    ... on ReadPositionMoved {
      user {
        ...UserFields
      }
      lastReadSeq
    }
  }
}
    ${MessageFieldsFragmentDoc}
${UserFieldsFragmentDoc}
${RepliedFieldsFragmentDoc}
${ChatFieldsFragmentDoc}` as unknown as DocumentNode<ChatEventsSubscription, ChatEventsSubscriptionVariables>;
export const SearchMessagesDocument = /*#__PURE__*/ gql`
    query SearchMessages($query: String!, $chatId: ID, $first: Int, $after: String) {
  searchMessages(query: $query, chatId: $chatId, first: $first, after: $after) {
    edges {
      cursor
      snippet
      node {
        ...MessageFields
      }
    }
    pageInfo {
      ...PageInfoFields
    }
  }
}
    ${MessageFieldsFragmentDoc}
${UserFieldsFragmentDoc}
${RepliedFieldsFragmentDoc}
${PageInfoFieldsFragmentDoc}` as unknown as DocumentNode<SearchMessagesQuery, SearchMessagesQueryVariables>;
export const ChatPresenceDocument = /*#__PURE__*/ gql`
    query ChatPresence($chatId: ID!, $first: Int) {
  chat(id: $chatId) {
    id
    members(first: $first) {
      ...ContactFields
    }
  }
}
    ${ContactFieldsFragmentDoc}
${UserFieldsFragmentDoc}` as unknown as DocumentNode<ChatPresenceQuery, ChatPresenceQueryVariables>;
export const PresenceChangedDocument = /*#__PURE__*/ gql`
    subscription PresenceChanged {
  presenceChanged {
    ...ContactFields
  }
}
    ${ContactFieldsFragmentDoc}
${UserFieldsFragmentDoc}` as unknown as DocumentNode<PresenceChangedSubscription, PresenceChangedSubscriptionVariables>;
export const ChatStatsDocument = /*#__PURE__*/ gql`
    query ChatStats($chatId: ID!, $from: Date!, $to: Date!) {
  chatStats(chatId: $chatId, from: $from, to: $to) {
    day
    messages
    senders
    firstMessageAt
    lastMessageAt
  }
}
    ` as unknown as DocumentNode<ChatStatsQuery, ChatStatsQueryVariables>;
export const MeDocument = /*#__PURE__*/ gql`
    query Me {
  me {
    ...UserFields
  }
}
    ${UserFieldsFragmentDoc}` as unknown as DocumentNode<MeQuery, MeQueryVariables>;
export const UsersDocument = /*#__PURE__*/ gql`
    query Users($search: String, $first: Int) {
  users(search: $search, first: $first) {
    ...UserFields
  }
}
    ${UserFieldsFragmentDoc}` as unknown as DocumentNode<UsersQuery, UsersQueryVariables>;