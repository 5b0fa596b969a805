/** Plain domain records: what services pass around, independent of any store. */
export interface User {
  id: string;
  username: string;
  displayName: string;
  createdAt: Date;
  /** A program acting through the API for its owner (bot-service.ts), not a person. */
  isBot: boolean;
}

export type ChatKind = 'DIRECT' | 'GROUP';

export interface Chat {
  id: string;
  kind: ChatKind;
  title: string | null;
  /** The group's owner (its creator, then whoever it passed to); null for direct chats. */
  ownerId: string | null;
  lastSeq: number;
  lastMessageId: string | null;
  /** The chat's latest event: every durable change to it (docs/events.md). */
  lastEventSeq: number;
  /** Text messages stored: what unread counts count. */
  textCount: number;
  /** Moves of members' read marks so far: read receipts' own order. */
  readSeq: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A chat as one member sees it: the member's read position travels with it. */
export interface MemberChat extends Chat {
  lastReadSeq: number;
  /** Text messages up to lastReadSeq. */
  readTextSeq: number;
}

export type MessageKind = 'TEXT' | 'MEMBER_JOINED' | 'MEMBER_LEFT' | 'MEMBER_REMOVED' | 'CHAT_RENAMED';

export interface Message {
  id: string;
  chatId: string;
  seq: number;
  kind: MessageKind;
  senderId: string;
  /** For MEMBER_*: who joined, left or was removed. */
  subjectId: string | null;
  /** Empty once deleted; the new title for CHAT_RENAMED. */
  body: string;
  clientId: string | null;
  replyToId: string | null;
  createdAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
  /** The event that stored it. */
  eventSeq: number;
  /** The event of its latest change: eventSeq until it is edited or deleted. */
  changedSeq: number;
  /** Text messages of the chat up to this one: unread counts are differences of these. */
  textSeq: number;
}

/** When a message last changed: a deleted message takes no edits, so its deletion is always its latest change. */
export const lastChangedAt = (message: Pick<Message, 'createdAt' | 'editedAt' | 'deletedAt'>): Date => message.deletedAt ?? message.editedAt ?? message.createdAt;

/** Whether someone is online, and when they were last seen if not (null while online, or if never seen). */
export interface Presence {
  status: 'ONLINE' | 'OFFLINE';
  lastSeenAt: Date | null;
}

/** Where one member has read up to, and since when. */
export interface ReadState {
  userId: string;
  lastReadSeq: number;
  readAt: Date | null;
  /** The chat's readSeq at this member's latest move. */
  readSeq: number;
}

/** One UTC day of a chat, as the daily summary job recorded it. */
export interface ChatDayStats {
  /** `YYYY-MM-DD`. */
  day: string;
  messages: number;
  /** Distinct senders that day. */
  senders: number;
  firstMessageAt: Date;
  lastMessageAt: Date;
}
