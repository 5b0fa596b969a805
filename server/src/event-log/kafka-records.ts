import type { Message } from 'kafkajs';
import type { MessageEnvelope } from './port.js';

/**
 * How envelopes and dead letters look on the wire. The record key is the chat
 * id, so one chat always lands in one partition and keeps its order there.
 */

const ENVELOPE_FIELDS = ['messageId', 'chatId', 'senderId', 'body', 'clientId', 'acceptedAt'] as const;

export function envelopeRecord(envelope: MessageEnvelope): Message {
  const value: MessageEnvelope = {
    messageId: envelope.messageId,
    chatId: envelope.chatId,
    senderId: envelope.senderId,
    body: envelope.body,
    clientId: envelope.clientId,
    acceptedAt: envelope.acceptedAt,
  };
  return { key: envelope.chatId, value: JSON.stringify(value) };
}

export type DecodedRecord = { envelope: MessageEnvelope } | { reason: string };

/**
 * Reads a record value back into an envelope, or says why it is not one.
 * Only the shape is checked here; what makes an envelope storable (ids, body
 * limits) is the persister's call, and it rejects with its own reason.
 */
export function decodeEnvelope(value: Buffer | null): DecodedRecord {
  if (value === null || value.length === 0) return { reason: 'the record has no value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return { reason: 'the record value is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { reason: 'the record value is not a JSON object' };
  }
  const fields = parsed as Record<string, unknown>;
  const missing = ENVELOPE_FIELDS.filter((name) => typeof fields[name] !== 'string');
  if (missing.length > 0) return { reason: `the record value lacks string fields: ${missing.join(', ')}` };
  const envelope = Object.fromEntries(ENVELOPE_FIELDS.map((name) => [name, fields[name]])) as unknown as MessageEnvelope;
  return { envelope };
}

/** Where a dead letter came from, so an operator can find the original record. */
export interface RecordSource {
  topic: string;
  partition: number;
  offset: string;
}

/** What the dead-letter topic holds for each record the persister could not store. */
export interface DeadLetter {
  /** The envelope as read, or null when the record was not one (see `value`). */
  envelope: MessageEnvelope | null;
  /** The original record value, base64, when it could not be read as an envelope. */
  value: string | null;
  reason: string;
  rejectedAt: string;
  source: RecordSource | null;
}

export const REASON_HEADER = 'parley-reason';

/** Keyed like the original record; the reason is also a header, for tools that show headers only. */
export function deadLetterRecord(letter: DeadLetter, key: Buffer | string | null): Message {
  return { key, value: JSON.stringify(letter), headers: { [REASON_HEADER]: letter.reason } };
}

export function parseDeadLetter(value: Buffer | null): DeadLetter {
  if (value === null) throw new Error('a dead letter has no value');
  return JSON.parse(value.toString('utf8')) as DeadLetter;
}
