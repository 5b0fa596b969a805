/*
 * Row shapes for the few queries written with Kysely (keyset pages and batch
 * updates on the message path). Timestamps may come back as strings or Dates
 * depending on the driver's type parsers, hence `toDate`.
 */
import type { Message } from '../domain/models.js';
import type { SnakeCase } from '../support/shape-checks.js';

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  password_hash: string | null;
  created_at: Date | string;
  last_seen_at: Date | string | null;
  is_bot: boolean;
  owner_id: string | null;
  bot_token_id: string | null;
}

export interface ChatsTable {
  id: string;
  kind: 'DIRECT' | 'GROUP';
  title: string | null;
  direct_key: string | null;
  owner_id: string | null;
  last_seq: number;
  last_message_id: string | null;
  last_event_seq: number;
  text_count: number;
  read_seq: number;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface MembersTable {
  chat_id: string;
  user_id: string;
  last_read_seq: number;
  read_text_seq: number;
  read_seq_at: number;
  read_at: Date | string | null;
  joined_at: Date | string;
}

/** A domain record as its row: snake_case columns, timestamps as the driver may return them. */
export type RowOf<T> = {
  [K in keyof T & string as SnakeCase<K>]: T[K] extends Date ? Date | string : T[K] extends Date | null ? Date | string | null : T[K];
};

/** A Message's row, plus what orders its changes. */
export interface MessagesTable extends RowOf<Message> {
  /** When the latest change was accepted, and its id: a change applies only after the one stored (redeliveries change nothing). */
  changed_at: Date | string;
  change_id: string | null;
}

/** Membership and title changes, committed with the change and moved into the event log by the outbox relay. */
export interface ChatOutboxTable {
  id: string;
  chat_id: string;
  envelope: unknown;
  created_at: Date | string;
}

/** `day` columns are read back as `day::text`: drivers turn a bare `date` into a local-time Date. */
export interface ChatDailyStatsTable {
  chat_id: string;
  day: string;
  messages: number;
  senders: number;
  first_at: Date | string;
  last_at: Date | string;
}

export interface DailyActivityTable {
  day: string;
  active_users: number;
  active_chats: number;
}

export interface Tables {
  users: UsersTable;
  chats: ChatsTable;
  members: MembersTable;
  messages: MessagesTable;
  chat_outbox: ChatOutboxTable;
  chat_daily_stats: ChatDailyStatsTable;
  daily_activity: DailyActivityTable;
}

export const toDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));
