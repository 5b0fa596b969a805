import { badInput } from './errors.js';

/** Cursors are opaque to clients: base64url of a small tagged string. */
const encode = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
const decode = (cursor: string): string => Buffer.from(cursor, 'base64url').toString('utf8');

/** Longer than any cursor Parley hands out (a chat cursor is 72): refused before it is decoded. */
const CURSOR_MAX = 128;
/** Seqs are PostgreSQL `integer`s. */
export const SEQ_MAX = 2 ** 31 - 1;
/**
 * 9999-12-31T23:59:59.999Z: past it JavaScript writes a date with a six-digit
 * year that the engines refuse or read differently, and no chat is that new.
 */
const CHAT_TIME_MAX = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function decoded(cursor: string, what: string): string {
  if (cursor.length > CURSOR_MAX) throw badInput(`Malformed ${what} cursor`);
  return decode(cursor);
}

export const messageCursor = (seq: number): string => encode(`m:${seq}`);

export function parseMessageCursor(cursor: string): number {
  const match = /^m:(\d{1,10})$/.exec(decoded(cursor, 'message'));
  if (!match || Number(match[1]) > SEQ_MAX) throw badInput('Malformed message cursor');
  return Number(match[1]);
}

export interface ChatPosition {
  updatedAt: Date;
  id: string;
}

export const chatCursor = (p: ChatPosition): string => encode(`c:${p.updatedAt.getTime()}:${p.id}`);

export function parseChatCursor(cursor: string): ChatPosition {
  const match = /^c:(\d{1,15}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(decoded(cursor, 'chat'));
  if (!match || Number(match[1]) > CHAT_TIME_MAX) throw badInput('Malformed chat cursor');
  return { updatedAt: new Date(Number(match[1])), id: match[2] };
}

export interface SearchCursorPosition {
  rank: number;
  createdAt: Date;
  id: string;
}

/**
 * A rank an engine can have given: not negative, and one a PostgreSQL `real`
 * (float4) holds, which is what the cursor is compared with; outside that
 * range the cast fails (an error the client would see as an outage). MongoDB's
 * text scores are well inside it.
 */
const isRealRank = (rank: number): boolean => Number.isFinite(rank) && rank >= 0 && Number.isFinite(Math.fround(rank)) && (rank === 0 || Math.fround(rank) !== 0);

/** The rank as the engine gave it (a float4 from PostgreSQL prints back exactly), then time and id. */
export const searchCursor = (p: SearchCursorPosition): string => encode(`s:${p.rank}:${p.createdAt.getTime()}:${p.id}`);

export function parseSearchCursor(cursor: string): SearchCursorPosition {
  const match = /^s:([0-9.e+-]{1,24}):(\d{1,15}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(decoded(cursor, 'search'));
  const rank = match ? Number(match[1]) : NaN;
  if (!match || !isRealRank(rank) || Number(match[2]) > CHAT_TIME_MAX) throw badInput('Malformed search cursor');
  return { rank, createdAt: new Date(Number(match[2])), id: match[3]! };
}
