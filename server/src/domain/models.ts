/** Plain domain records: what services pass around, independent of any store. */
export interface User {
  id: string;
  username: string;
  displayName: string;
  createdAt: Date;
}

export type ChatKind = 'DIRECT' | 'GROUP';

export interface Chat {
  id: string;
  kind: ChatKind;
  title: string | null;
  lastSeq: number;
  lastMessageId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A chat as one member sees it: the member's read position travels with it. */
export interface MemberChat extends Chat {
  lastReadSeq: number;
}

export interface Message {
  id: string;
  chatId: string;
  seq: number;
  senderId: string;
  body: string;
  clientId: string | null;
  createdAt: Date;
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
