import { createHash, randomUUID } from 'node:crypto';
import { badInput } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const newId = (): string => randomUUID();

/** Ids are UUIDs; anything else is the caller's mistake, not a missing row. */
export function parseId(value: string, what = 'id'): string {
  if (!UUID.test(value)) throw badInput(`${what} is not a valid id`);
  return value.toLowerCase();
}

/*
 * A new namespace for the (sender, chat, clientId) ids: ids of messages stored
 * before idempotency was scoped to the chat came from (sender, clientId) under
 * 6f1c2a4e-…, and a fresh namespace keeps the two schemes from ever meeting.
 */
const MESSAGE_NAMESPACE = Buffer.from('a3e1f0c27d6b4e8f9c15b2d4e6f8a0c1', 'hex');

/**
 * A name-based (v5) UUID for `(senderId, chatId, clientId)`: every retry of a
 * send to one chat gets the same message id without a lookup, so duplicates
 * collapse in the store, while the same clientId in another chat is another
 * message. Ids are UUIDs and clientIds are at most 128 characters, so the
 * NUL-separated name is unambiguous.
 */
export function messageIdFor(senderId: string, chatId: string, clientId: string): string {
  const hash = createHash('sha1').update(MESSAGE_NAMESPACE).update(`${senderId}\u0000${chatId}\u0000${clientId}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
