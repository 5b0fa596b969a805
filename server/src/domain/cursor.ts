import { badInput } from './errors.js';

/** Cursors are opaque to clients: base64url of a small tagged string. */
const encode = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
const decode = (cursor: string): string => Buffer.from(cursor, 'base64url').toString('utf8');

export const messageCursor = (seq: number): string => encode(`m:${seq}`);

export function parseMessageCursor(cursor: string): number {
  const match = /^m:(\d{1,10})$/.exec(decode(cursor));
  if (!match) throw badInput('Malformed message cursor');
  return Number(match[1]);
}

export interface ChatPosition {
  updatedAt: Date;
  id: string;
}

export const chatCursor = (p: ChatPosition): string => encode(`c:${p.updatedAt.getTime()}:${p.id}`);

export function parseChatCursor(cursor: string): ChatPosition {
  const match = /^c:(\d{1,15}):([0-9a-f-]{36})$/.exec(decode(cursor));
  if (!match) throw badInput('Malformed chat cursor');
  return { updatedAt: new Date(Number(match[1])), id: match[2] };
}
