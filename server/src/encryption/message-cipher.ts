import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/*
 * Message bodies at rest and in transit between Parley's processes:
 *
 *   enc:v1:<keyId>:<base64url(iv ‖ ciphertext ‖ tag)>
 *
 * v1 is AES-256-GCM (Node's crypto) with a random 96-bit IV per body and a
 * 128-bit tag; the additional authenticated data is the message's chat and
 * id, so a ciphertext copied onto another message (or into another chat)
 * fails to open instead of showing there. The key id travels with every
 * body, so a body says which key opens it and keys can be rotated one body
 * at a time (`npm run rekey`). The empty body (deleted messages, system
 * messages without text) is never sealed: it says nothing.
 */

export interface MessageKey {
  /** 1–32 of `A-Z a-z 0-9 _ -`: it sits inside every sealed body. */
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

/** Which message a body belongs to: bound into the ciphertext. */
export interface BodyAddress {
  chatId: string;
  messageId: string;
}

import { SEALED_BODY_PREFIX } from '../domain/text.js';

export const SEALED_PREFIX = SEALED_BODY_PREFIX;
export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const SEALED = /^enc:v1:([A-Za-z0-9_-]{1,32}):([A-Za-z0-9_-]+)$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A payload holds an IV, a tag and at least one byte of text. */
const PAYLOAD_MIN_CHARS = Math.ceil(((IV_BYTES + TAG_BYTES + 1) * 4) / 3);

/** The key id of a sealed body, or null for a body that is not sealed (plain text stored before encryption was on). */
export function sealedKeyId(body: string): string | null {
  return body.startsWith(SEALED_PREFIX) ? (SEALED.exec(body)?.[1] ?? null) : null;
}

/** Whether a body has the sealed shape: what the persister checks without holding any key. */
export function isSealedShape(body: string, maxChars: number): boolean {
  const match = SEALED.exec(body);
  return match !== null && match[2]!.length >= PAYLOAD_MIN_CHARS && body.length <= sealedLengthMax(maxChars);
}

/** The longest sealed body of a text of at most maxChars code points (each at most 4 bytes of UTF-8). */
export function sealedLengthMax(maxChars: number): number {
  return SEALED_PREFIX.length + 32 + 1 + Math.ceil(((maxChars * 4 + IV_BYTES + TAG_BYTES) * 4) / 3);
}

/** A sealed body names a key this process was not given. */
export class MessageKeyMissingError extends Error {
  constructor(readonly keyId: string) {
    super(`a message body is encrypted under key "${keyId}", which is not in MESSAGE_KEYS`);
    this.name = 'MessageKeyMissingError';
  }
}

/** A sealed body that its key does not open: altered, truncated, or moved from another message. */
export class MessageBodyUnreadableError extends Error {
  constructor(
    readonly keyId: string,
    readonly address: BodyAddress,
  ) {
    super(`the body of message ${address.messageId} does not authenticate under key "${keyId}"`);
    this.name = 'MessageBodyUnreadableError';
  }
}

const aad = ({ chatId, messageId }: BodyAddress): Buffer => Buffer.from(`parley:v1:${chatId}:${messageId}`, 'utf8');

/** Seals bodies with the first key; opens bodies sealed with any of them. */
export class MessageCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly current: MessageKey;

  constructor(keys: readonly MessageKey[]) {
    if (keys.length === 0) throw new Error('MessageCipher needs at least one key');
    for (const { id, key } of keys) {
      if (!KEY_ID.test(id) || key.length !== 32) throw new Error(`message key "${id}" is not a 32-byte key with a valid id`);
    }
    this.current = keys[0]!;
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
  }

  /** The id of the key new bodies are sealed with. */
  get currentKeyId(): string {
    return this.current.id;
  }

  seal(body: string, address: BodyAddress): string {
    if (body === '') return body;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(address));
    const sealed = Buffer.concat([iv, cipher.update(body, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${SEALED_PREFIX}${this.current.id}:${sealed.toString('base64url')}`;
  }

  /** The text of a body: a sealed one opened, any other as it is (stored before encryption was turned on). */
  open(body: string, address: BodyAddress): string {
    const match = body.startsWith(SEALED_PREFIX) ? SEALED.exec(body) : null;
    if (!match) return body;
    const [, keyId, payload] = match as unknown as [string, string, string];
    const key = this.keys.get(keyId);
    if (!key) throw new MessageKeyMissingError(keyId);
    const sealed = Buffer.from(payload, 'base64url');
    if (sealed.length < IV_BYTES + TAG_BYTES + 1) throw new MessageBodyUnreadableError(keyId, address);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(address));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new MessageBodyUnreadableError(keyId, address);
    }
  }

  /** Whether a body is what this cipher writes now: empty, or sealed under the current key. */
  isCurrent(body: string): boolean {
    return body === '' || sealedKeyId(body) === this.current.id;
  }
}

/**
 * Parses MESSAGE_KEYS: `id:base64key[,id:base64key…]`, 256-bit keys, the
 * first one sealing. Throws an Error whose message is one line naming the
 * entry by its position and id, never the key material.
 */
export function parseMessageKeys(text: string): MessageKey[] {
  const keys: MessageKey[] = [];
  const entries = text.split(',').map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1}`;
    if (entry === '') throw new Error(`${where} is empty (expected id:base64key[,id:base64key…])`);
    const colon = entry.indexOf(':');
    if (colon < 0) throw new Error(`${where} is not id:base64key`);
    const id = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1);
    if (!KEY_ID.test(id)) throw new Error(`${where}: the key id must be 1 to 32 of A-Z a-z 0-9 _ -`);
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded) || encoded.replace(/=+$/, '').length % 4 === 1) {
      throw new Error(`key "${id}" is not valid base64`);
    }
    const key = Buffer.from(encoded, encoded.includes('-') || encoded.includes('_') ? 'base64url' : 'base64');
    if (key.length !== 32) throw new Error(`key "${id}" is ${key.length} bytes; AES-256 needs 32 (make one with: openssl rand -base64 32)`);
    if (keys.some((k) => k.id === id)) throw new Error(`key id "${id}" appears twice`);
    keys.push({ id, key });
  });
  return keys;
}
