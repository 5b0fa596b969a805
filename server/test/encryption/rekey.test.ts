import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/domain/models.js';
import { MessageCipher } from '../../src/encryption/message-cipher.js';
import { rekey } from '../../src/encryption/rekey.js';
import type { StoredBody } from '../../src/message-store/port.js';

describe('rekey', () => {
  const oldKey = { id: 'old', key: randomBytes(32) };
  const newKey = { id: 'new', key: randomBytes(32) };
  const outdated = new MessageCipher([oldKey]);
  const cipher = new MessageCipher([newKey, oldKey]);

  it('reports a body that kept changing under the old key as not rewritten, so the run does not pass for done', async () => {
    const chatId = randomUUID();
    const id = randomUUID();
    const address = { chatId, messageId: id };
    // An instance still sealing with the old key edits the message between every read and write.
    let body = outdated.seal('edited again', address);
    const store = {
      bodies: async (after: unknown): Promise<StoredBody[]> => (after === null ? [{ id, chatId, seq: 1, body }] : []),
      replaceBody: async () => {
        body = outdated.seal('edited again', address);
        return false;
      },
      findByIds: async () => [{ id, chatId, seq: 1, body } as Message],
    };
    const report = await rekey(store, cipher);
    expect(report.rewritten).toBe(0);
    expect(report.unsettled).toEqual([id]);
  });
});
