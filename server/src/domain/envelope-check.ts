import { isChange, type MessageEnvelope } from '../event-log/port.js';
import { charCount, LIMITS } from './limits.js';
import type { MessageKind } from './models.js';
import { isStorableBody, isStorableIdentifier } from './text.js';
import { isSealedShape } from '../encryption/message-cipher.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
const KINDS = new Set<MessageKind>(['TEXT', 'MEMBER_JOINED', 'MEMBER_LEFT', 'MEMBER_REMOVED', 'CHAT_RENAMED']);

/**
 * The API's own text rule: a body is stored exactly as the API would have
 * accepted it. A sealed body (MESSAGE_KEYS) was checked as text before the
 * API sealed it; here, without any key, only its shape and its size for a
 * text of `max` characters are checked (a forgery fails to open on read).
 */
function invalidBodyReason(body: unknown, max: number): string | null {
  if (typeof body === 'string' && isSealedShape(body, max)) return null;
  if (typeof body !== 'string' || body.trim() !== body || charCount(body) < 1 || charCount(body) > max) {
    return `body must be 1 to ${max} trimmed characters`;
  }
  if (!isStorableBody(body, max)) return 'body is not text the API would store (a control character, a lone surrogate, a CR, or not NFC)';
  return null;
}

/**
 * Why an envelope can never be stored, or null. The API validated it already;
 * this guards the persister against anything else that writes to the log.
 */
export function invalidEnvelopeReason(e: MessageEnvelope): string | null {
  if (typeof e !== 'object' || e === null) return 'not an envelope';
  if (!isUuid(e.messageId)) return 'messageId is not a UUID';
  if (!isUuid(e.chatId)) return 'chatId is not a UUID';
  if (!isUuid(e.senderId)) return 'senderId is not a UUID';
  if (typeof e.acceptedAt !== 'string' || Number.isNaN(Date.parse(e.acceptedAt))) return 'acceptedAt is not a date';
  if (isChange(e)) {
    if (!isUuid(e.changeId)) return 'changeId is not a UUID';
    return e.type === 'edit' ? invalidBodyReason(e.body, LIMITS.bodyMax) : null;
  }
  const kind = e.kind ?? 'TEXT';
  if (!KINDS.has(kind)) return `kind ${String(kind)} is not a message kind`;
  if (kind.startsWith('MEMBER_')) {
    if (!isUuid(e.subjectId)) return `a ${kind} message needs a subjectId`;
    if (e.body !== '') return `a ${kind} message has an empty body`;
  } else {
    const reason = invalidBodyReason(e.body, kind === 'CHAT_RENAMED' ? LIMITS.titleMax : LIMITS.bodyMax);
    if (reason) return reason;
  }
  if (e.replyToId != null && (kind !== 'TEXT' || !isUuid(e.replyToId))) return 'replyToId must be a UUID, on a text message';
  if (typeof e.clientId !== 'string' || e.clientId.length < 1 || e.clientId.length > LIMITS.clientIdMax) {
    return `clientId must be 1 to ${LIMITS.clientIdMax} characters`;
  }
  if (!isStorableIdentifier(e.clientId, LIMITS.clientIdMax)) return 'clientId has a control character or a lone surrogate';
  return null;
}
