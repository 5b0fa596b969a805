import type { Message } from 'kafkajs';
import type { NoneMissing } from '../support/shape-checks.js';
import { isChange, type ChangeEnvelope, type MessageEnvelope, type SendEnvelope } from './port.js';

/**
 * How envelopes and dead letters look on the wire. The record key is the chat
 * id, so one chat always lands in one partition and keeps its order there.
 */

const SEND_FIELDS = ['messageId', 'chatId', 'senderId', 'body', 'clientId', 'acceptedAt'] as const satisfies readonly (keyof SendEnvelope)[];
const CHANGE_FIELDS = ['changeId', 'messageId', 'chatId', 'senderId', 'acceptedAt'] as const satisfies readonly (keyof ChangeEnvelope)[];
/** Optional on a send: absent means a text message that replies to nothing (and is how older envelopes look). */
const SEND_OPTIONAL = ['type', 'kind', 'subjectId', 'replyToId'] as const satisfies readonly (keyof SendEnvelope)[];
/** A field added to SendEnvelope must be put on the wire (and read back) here too. */
export type SendFieldsOnTheWire = NoneMissing<Exclude<keyof SendEnvelope, (typeof SEND_FIELDS)[number] | (typeof SEND_OPTIONAL)[number]>>;

/** Only the envelope's own fields: nothing else a caller's object holds reaches the log. */
export function envelopeRecord(envelope: MessageEnvelope): Message {
  let value: Record<string, unknown>;
  if (isChange(envelope)) {
    const { type, changeId, messageId, chatId, senderId, body, acceptedAt } = envelope;
    value = { type, changeId, messageId, chatId, senderId, body, acceptedAt };
  } else {
    value = Object.fromEntries(SEND_FIELDS.map((name) => [name, envelope[name]]));
    for (const name of SEND_OPTIONAL) if (envelope[name] != null) value[name] = envelope[name];
  }
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
  const change = fields.type === 'edit' || fields.type === 'delete';
  const required = change ? CHANGE_FIELDS : SEND_FIELDS;
  const missing = required.filter((name) => typeof fields[name] !== 'string');
  if (missing.length > 0) return { reason: `the record value lacks string fields: ${missing.join(', ')}` };
  const envelope: Record<string, unknown> = Object.fromEntries(required.map((name) => [name, fields[name]]));
  if (change) {
    envelope.type = fields.type;
    envelope.body = typeof fields.body === 'string' ? fields.body : null;
  } else {
    for (const name of SEND_OPTIONAL) if (typeof fields[name] === 'string') envelope[name] = fields[name];
    if (envelope.type !== undefined && envelope.type !== 'send') return { reason: `the record value has an unknown type: ${String(envelope.type).slice(0, 40)}` };
  }
  return { envelope: envelope as unknown as MessageEnvelope };
}

/** Where a dead letter came from, so an operator can find the original record. */
export interface RecordSource {
  topic: string;
  partition: number;
  offset: string;
}

/** What the dead-letter topic holds for each record the persister could not store. */
export interface DeadLetter {
  /** The envelope as read, or null when the record was not one or too large to copy (see `value`). */
  envelope: MessageEnvelope | null;
  /**
   * The original record value, base64, when `envelope` is null: at most its
   * first DEAD_LETTER_COPY_BYTES bytes.
   */
  value: string | null;
  /** The original value's size in bytes, when `value` holds it. */
  valueBytes?: number;
  /** True when `value` holds only the start of the original. */
  truncated?: boolean;
  reason: string;
  rejectedAt: string;
  source: RecordSource | null;
}

export const REASON_HEADER = 'parley-reason';

/**
 * What a dead letter copies of the original at most. The messages topic takes
 * records up to the broker's max.message.bytes (1 MiB by default), and base64
 * grows them by a third: a letter copying a whole large record would be too
 * large for its own topic, and the consumer would retry writing it forever.
 * The source (topic, partition, offset) finds the whole original while the
 * topic retains it.
 */
export const DEAD_LETTER_COPY_BYTES = 64 * 1024;
/** Reasons are ours, but may carry a driver's message: long enough to read, never large. */
const REASON_MAX_CHARS = 1000;
/** The most a dead letter record's value can weigh: the base64 copy, the reason, the source and the field names. */
export const DEAD_LETTER_MAX_BYTES = Math.ceil(DEAD_LETTER_COPY_BYTES / 3) * 4 + REASON_MAX_CHARS * 6 + 2048;

export interface RejectedRecord {
  /** The envelope read from the record, when it was one. */
  envelope: MessageEnvelope | null;
  /** The record's value as fetched, when the consumer has it. */
  original: Buffer | null;
  reason: string;
  source: RecordSource | null;
}

/** A dead letter that never exceeds DEAD_LETTER_MAX_BYTES, however large the original was. */
export function deadLetterFor({ envelope, original, reason, source }: RejectedRecord): DeadLetter {
  const letter: DeadLetter = {
    envelope,
    value: null,
    reason: reason.length > REASON_MAX_CHARS ? `${reason.slice(0, REASON_MAX_CHARS - 1)}…` : reason,
    rejectedAt: new Date().toISOString(),
    source,
  };
  if (envelope !== null && Buffer.byteLength(JSON.stringify(envelope)) <= DEAD_LETTER_COPY_BYTES) return letter;
  const bytes = original ?? (envelope ? Buffer.from(JSON.stringify(envelope)) : null);
  if (bytes === null) return letter;
  const truncated = bytes.length > DEAD_LETTER_COPY_BYTES;
  return {
    ...letter,
    envelope: null,
    value: bytes.subarray(0, DEAD_LETTER_COPY_BYTES).toString('base64'),
    valueBytes: bytes.length,
    ...(truncated ? { truncated } : {}),
  };
}

/** Keyed like the original record; the reason is also a header, for tools that show headers only. */
export function deadLetterRecord(letter: DeadLetter, key: Buffer | string | null): Message {
  return { key, value: JSON.stringify(letter), headers: { [REASON_HEADER]: letter.reason } };
}

export function parseDeadLetter(value: Buffer | null): DeadLetter {
  if (value === null) throw new Error('a dead letter has no value');
  return JSON.parse(value.toString('utf8')) as DeadLetter;
}
