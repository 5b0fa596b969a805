/*
 * Row shapes for the few queries written with Kysely (keyset pages and batch
 * updates on the message path). Timestamps may come back as strings or Dates
 * depending on the driver's type parsers, hence `toDate`.
 */
export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  created_at: Date | string;
}

export interface ChatsTable {
  id: string;
  kind: 'DIRECT' | 'GROUP';
  title: string | null;
  direct_key: string | null;
  last_seq: number;
  last_message_id: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface MembersTable {
  chat_id: string;
  user_id: string;
  last_read_seq: number;
  joined_at: Date | string;
}

export interface MessagesTable {
  id: string;
  chat_id: string;
  seq: number;
  sender_id: string;
  body: string;
  client_id: string | null;
  created_at: Date | string;
}

export interface Tables {
  users: UsersTable;
  chats: ChatsTable;
  members: MembersTable;
  messages: MessagesTable;
}

export const toDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));
