import { createHmac, timingSafeEqual } from 'node:crypto';
import { SEQ_MAX } from './cursor.js';
import { badInput } from './errors.js';

/** Bytes of HMAC a cursor keeps: 96 bits, far beyond guessing, short enough to pass around. */
const MAC_BYTES = 12;
const CURSOR = /^e(\d{1,10})\.([A-Za-z0-9_-]{16})$/;

/**
 * Positions in a chat's events, as clients hold them: `e<eventSeq>.<mac>`,
 * where the MAC binds the position to its chat under a server key. A cursor
 * of another chat, an edited number or a made-up cursor fails the check and
 * is refused (BAD_USER_INPUT), so a client can only ever resume a chat from a
 * position the server gave it for that chat.
 */
export class EventCursors {
  private readonly key: Buffer;

  constructor(secret: string) {
    // A key of its own, derived from the server secret: a cursor is never a token.
    this.key = createHmac('sha256', secret).update('parley chat event cursors').digest();
  }

  cursor(chatId: string, eventSeq: number): string {
    return `e${eventSeq}.${this.mac(chatId, eventSeq).toString('base64url')}`;
  }

  /** The event seq a cursor names; throws BAD_USER_INPUT unless the server gave it for this chat. */
  parse(chatId: string, cursor: string): number {
    const match = cursor.length <= 32 ? CURSOR.exec(cursor) : null;
    const eventSeq = match ? Number(match[1]) : NaN;
    if (!match || eventSeq > SEQ_MAX) throw badInput('Malformed event cursor');
    const given = Buffer.from(match[2], 'base64url');
    if (given.length !== MAC_BYTES || !timingSafeEqual(given, this.mac(chatId, eventSeq))) {
      throw badInput('This event cursor was not issued for this chat');
    }
    return eventSeq;
  }

  private mac(chatId: string, eventSeq: number): Buffer {
    return createHmac('sha256', this.key).update(`${chatId}:${eventSeq}`).digest().subarray(0, MAC_BYTES);
  }
}
