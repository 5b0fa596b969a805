import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { invalidEnvelopeReason } from '../../src/domain/envelope-check.js';

const envelope = (fields: Record<string, unknown>) =>
  ({
    messageId: randomUUID(),
    chatId: randomUUID(),
    senderId: randomUUID(),
    body: 'hello',
    clientId: 'c1',
    acceptedAt: new Date().toISOString(),
    ...fields,
  }) as Parameters<typeof invalidEnvelopeReason>[0];

describe("the persister's envelope check uses the API's text rule", () => {
  it('passes what the API accepts, exactly as the API stores it', () => {
    expect(invalidEnvelopeReason(envelope({}))).toBeNull();
    expect(invalidEnvelopeReason(envelope({ body: 'tab\tand\nnewline, caf\u00e9, \u202bمرحبا\u202c' }))).toBeNull();
  });

  it.each([
    ['a NUL', 'a\u0000b'],
    ['an escape', 'a\u001bb'],
    ['a C1 control', 'a\u0085b'],
    ['a CR (the API stores LF)', 'a\r\nb'],
    ['a lone surrogate', 'a\ud800'],
    ['decomposed text (the API stores NFC)', 'cafe\u0301'],
    ['untrimmed text', ' hello'],
    ['an empty body', ''],
    ['too long a body', 'x'.repeat(4001)],
  ])('refuses a body with %s', (_, body) => {
    expect(invalidEnvelopeReason(envelope({ body }))).toMatch(/^body /);
  });

  it.each([['a NUL', 'k\u0000'], ['a newline', 'k\n'], ['a lone surrogate', 'k\udc00'], ['nothing', ''], ['too much', 'k'.repeat(129)]])(
    'refuses a clientId with %s',
    (_, clientId) => {
      expect(invalidEnvelopeReason(envelope({ clientId }))).toMatch(/^clientId /);
    },
  );
});
