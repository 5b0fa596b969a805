import type { MessageEnvelope } from '../event-log/port.js';
import { charCount, LIMITS } from '../domain/limits.js';
import { isStorableBody, isStorableIdentifier } from '../domain/text.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/**
 * Why an envelope can never be stored, or null. The API validated it already;
 * this guards the persister against anything else that writes to the log.
 */
export function invalidEnvelopeReason(e: MessageEnvelope): string | null {
  if (typeof e !== 'object' || e === null) return 'not an envelope';
  if (!isUuid(e.messageId)) return 'messageId is not a UUID';
  if (!isUuid(e.chatId)) return 'chatId is not a UUID';
  if (!isUuid(e.senderId)) return 'senderId is not a UUID';
  if (typeof e.body !== 'string' || e.body.trim() !== e.body || charCount(e.body) < 1 || charCount(e.body) > LIMITS.bodyMax) {
    return `body must be 1 to ${LIMITS.bodyMax} trimmed characters`;
  }
  // The API's own text rule: a body is stored exactly as the API would have accepted it.
  if (!isStorableBody(e.body, LIMITS.bodyMax)) return 'body is not text the API would store (a control character, a lone surrogate, a CR, or not NFC)';
  if (typeof e.clientId !== 'string' || e.clientId.length < 1 || e.clientId.length > LIMITS.clientIdMax) {
    return `clientId must be 1 to ${LIMITS.clientIdMax} characters`;
  }
  if (!isStorableIdentifier(e.clientId, LIMITS.clientIdMax)) return 'clientId has a control character or a lone surrogate';
  if (typeof e.acceptedAt !== 'string' || Number.isNaN(Date.parse(e.acceptedAt))) return 'acceptedAt is not a date';
  return null;
}
