import { describe, expect, it } from 'vitest';
import { toDocument } from '../../src/message-store/mongo-message-document.js';
import { toRow } from '../../src/message-store/sql-message-row.js';
import { storedMessage } from '../support/stored-message.js';

const createdAt = new Date('2026-01-01T12:00:00.000Z');
const editedAt = new Date('2026-01-01T12:05:00.000Z');
const deletedAt = new Date('2026-01-01T12:10:00.000Z');
const base = { id: 'm1', chatId: 'c1', seq: 1, senderId: 'u1', body: 'hello', clientId: null, createdAt };

describe('the SQL row and the MongoDB document of a message', () => {
  it('agree on when it last changed: created, edited, and edited then deleted (the deletion is the latest)', () => {
    const cases = [
      [storedMessage(base), createdAt],
      [storedMessage({ ...base, editedAt }), editedAt],
      [storedMessage({ ...base, editedAt, deletedAt, body: '' }), deletedAt],
      [storedMessage({ ...base, deletedAt, body: '' }), deletedAt],
    ] as const;
    for (const [message, changed] of cases) {
      expect(toRow(message).changed_at).toEqual(changed);
      expect(toDocument(message).changedAt).toEqual(changed);
    }
  });
});
