import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { SEQ_MAX } from './cursor.js';
import { badInput } from './errors.js';

/** Bytes of HMAC a cursor keeps: 96 bits, far beyond guessing, short enough to pass around. */
const MAC_BYTES = 12;
/** One spelling per position: no leading zeros. */
const CURSOR = /^e(0|[1-9]\d{0,9})(?:r(0|[1-9]\d{0,9}))?\.([A-Za-z0-9_-]{16})$/;

/** Where a client stands in a chat: its durable events (messages and their changes) and its read receipts, each counted apart. */
export interface ChatPosition {
  eventSeq: number;
  readSeq: number;
}

/**
 * Positions in a chat's events, as clients hold them: `e<eventSeq>.<mac>`,
 * where the MAC binds the position to its chat under a server key. A cursor
 * of another chat, an edited number or a made-up cursor fails the check and
 * is refused (BAD_USER_INPUT), so a client can only ever resume a chat from a
 * position the server gave it for that chat.
 */
export class EventCursors {
  private readonly key: KeyObject;

  constructor(secret: string) {
    // A key of its own, derived from the server secret: a cursor is never a token. Made a
    // KeyObject once: given raw bytes, createHmac builds one per call (a fifth of the CPU of
    // a typing fan-out, where every subscriber's event carries its own cursor).
    this.key = createSecretKey(createHmac('sha256', secret).update('parley chat event cursors').digest());
  }

  cursor(chatId: string, { eventSeq, readSeq }: ChatPosition): string {
    return `e${eventSeq}r${readSeq}.${this.mac(chatId, eventSeq, readSeq).toString('base64url')}`;
  }

  /**
   * The position a cursor names; throws BAD_USER_INPUT unless the server gave
   * it for this chat. A cursor from before read receipts (no `r` part) stands
   * before every receipt: resuming from it brings each member's read position.
   */
  parse(chatId: string, cursor: string): ChatPosition {
    const match = cursor.length <= 48 ? CURSOR.exec(cursor) : null;
    const eventSeq = match ? Number(match[1]) : NaN;
    const readSeq = match?.[2] === undefined ? null : Number(match[2]);
    if (!match || eventSeq > SEQ_MAX || (readSeq ?? 0) > SEQ_MAX) throw badInput('Malformed event cursor');
    const given = Buffer.from(match[3], 'base64url');
    if (given.length !== MAC_BYTES || !timingSafeEqual(given, this.mac(chatId, eventSeq, readSeq))) {
      throw badInput('This event cursor was not issued for this chat');
    }
    return { eventSeq, readSeq: readSeq ?? 0 };
  }

  private mac(chatId: string, eventSeq: number, readSeq: number | null): Buffer {
    const position = readSeq === null ? `${chatId}:${eventSeq}` : `${chatId}:${eventSeq}:r${readSeq}`;
    return createHmac('sha256', this.key).update(position).digest().subarray(0, MAC_BYTES);
  }
}
