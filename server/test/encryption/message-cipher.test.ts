import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { LIMITS } from '../../src/domain/limits.js';
import {
  isSealedShape,
  MessageBodyUnreadableError,
  MessageCipher,
  MessageKeyMissingError,
  parseMessageKeys,
  sealedKeyId,
  sealedLengthMax,
} from '../../src/encryption/message-cipher.js';
import { invalidEnvelopeReason } from '../../src/domain/envelope-check.js';

const key = () => randomBytes(32);
const address = () => ({ chatId: randomUUID(), messageId: randomUUID() });

describe('MessageCipher', () => {
  const k1 = { id: 'k1', key: key() };
  const k2 = { id: 'k2', key: key() };

  it('seals with the first key, opens under any key it has, and leaves the empty body alone', () => {
    const at = address();
    const sealed = new MessageCipher([k1]).seal('meet at the lighthouse 🗼', at);
    expect(sealed).toMatch(/^enc:v1:k1:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('lighthouse');
    expect(sealedKeyId(sealed)).toBe('k1');
    // Rotated: k2 seals, k1 still opens.
    const rotated = new MessageCipher([k2, k1]);
    expect(rotated.open(sealed, at)).toBe('meet at the lighthouse 🗼');
    expect(rotated.isCurrent(sealed)).toBe(false);
    expect(rotated.isCurrent(rotated.seal('x', at))).toBe(true);
    expect(rotated.seal('', at)).toBe('');
    // A fresh IV every time: the same text never seals the same way twice.
    expect(rotated.seal('same', at)).not.toBe(rotated.seal('same', at));
  });

  it('passes plain text stored before encryption through, and refuses a body moved, altered or under a missing key', () => {
    const cipher = new MessageCipher([k1]);
    const at = address();
    expect(cipher.open('plain old text', at)).toBe('plain old text');
    const sealed = cipher.seal('secret', at);
    expect(() => cipher.open(sealed, { ...at, messageId: randomUUID() })).toThrow(MessageBodyUnreadableError);
    expect(() => cipher.open(sealed, { ...at, chatId: randomUUID() })).toThrow(MessageBodyUnreadableError);
    const flipped = sealed.slice(0, -2) + (sealed.at(-2) === 'A' ? 'B' : 'A') + sealed.at(-1);
    expect(() => cipher.open(flipped, at)).toThrow(MessageBodyUnreadableError);
    expect(() => new MessageCipher([k2]).open(sealed, at)).toThrow(MessageKeyMissingError);
    expect(() => new MessageCipher([k2]).open(sealed, at)).toThrow(/key "k1", which is not in MESSAGE_KEYS/);
  });

  it('fits the longest body: the persister accepts its sealed shape, and nothing longer', () => {
    const cipher = new MessageCipher([{ id: 'k'.repeat(32), key: key() }]);
    const at = address();
    const longest = cipher.seal('𝄞'.repeat(LIMITS.bodyMax), at);
    expect(longest.length).toBeLessThanOrEqual(sealedLengthMax(LIMITS.bodyMax));
    expect(isSealedShape(longest, LIMITS.bodyMax)).toBe(true);
    // About 21 KB: far inside a text column, a MongoDB document and a Kafka record (1 MB).
    expect(longest.length).toBeLessThan(22_000);
    expect(isSealedShape(longest + 'AAAA', LIMITS.bodyMax)).toBe(false);
    const envelope = { messageId: at.messageId, chatId: at.chatId, senderId: randomUUID(), clientId: 'c1', acceptedAt: new Date().toISOString() };
    expect(invalidEnvelopeReason({ ...envelope, body: longest })).toBeNull();
    expect(invalidEnvelopeReason({ ...envelope, type: 'edit', changeId: randomUUID(), body: longest })).toBeNull();
    // A rename's title is short: a body sealed from 4,000 characters is no title.
    expect(invalidEnvelopeReason({ ...envelope, kind: 'CHAT_RENAMED', body: longest })).toMatch(/body must be 1 to 100/);
    expect(invalidEnvelopeReason({ ...envelope, body: 'enc:v1:k1:short' })).toBeNull(); // plain text that merely looks like it
  });
});

describe('MESSAGE_KEYS', () => {
  const b64 = (bytes = 32) => randomBytes(bytes).toString('base64');
  const load = (value: string) => loadConfig({ MESSAGE_KEYS: value });

  it('reads id:base64key pairs, the first one sealing; base64url works too; unset is plain text', () => {
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const config = load(` new:${a.toString('base64')} , old:${b.toString('base64url')}`);
    expect(config.messageKeys).toEqual([
      { id: 'new', key: a },
      { id: 'old', key: b },
    ]);
    expect(loadConfig({}).messageKeys).toBeNull();
    expect(loadConfig({ MESSAGE_KEYS: '  ' }).messageKeys).toBeNull();
  });

  it.each([
    [`k1:${b64()},`, /^MESSAGE_KEYS: entry 2 is empty/],
    [`${b64()}`, /^MESSAGE_KEYS: entry 1 is not id:base64key$/],
    [`k 1:${b64()}`, /^MESSAGE_KEYS: entry 1: the key id must be 1 to 32 of A-Z a-z 0-9 _ -$/],
    [`:${b64()}`, /key id must be/],
    [`k1:not base64!`, /^MESSAGE_KEYS: key "k1" is not valid base64$/],
    [`k1:${b64(16)}`, /^MESSAGE_KEYS: key "k1" is 16 bytes; AES-256 needs 32/],
    [`k1:${b64(33)}`, /is 33 bytes/],
    [`k1:${b64()},k1:${b64()}`, /^MESSAGE_KEYS: key id "k1" appears twice$/],
  ])('%s is refused with one line', (value, message) => {
    let error: unknown;
    try {
      load(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
    // Never the key material, even a wrong one.
    const material = value.split(',').map((entry) => entry.slice(entry.indexOf(':') + 1)).filter((m) => m.length > 8);
    for (const m of material) expect((error as Error).message).not.toContain(m);
  });

  it('parses on its own too (the rekey script and tests share it)', () => {
    expect(parseMessageKeys(`a:${b64()}`).map((k) => k.id)).toEqual(['a']);
  });
});
