import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deadLetterRecord, decodeEnvelope, envelopeRecord, parseDeadLetter, REASON_HEADER, type DeadLetter } from '../../src/event-log/kafka-records.js';
import { minInSyncReplicasFor, replicationFactorFor } from '../../src/event-log/kafka-topics.js';
import type { MessageEnvelope, SendEnvelope } from '../../src/event-log/port.js';

const envelope = (): SendEnvelope => ({
  messageId: randomUUID(),
  chatId: randomUUID(),
  senderId: randomUUID(),
  body: 'héllo 👋 "quoted"',
  clientId: 'client-1',
  acceptedAt: new Date().toISOString(),
});

/** What the consumer sees: the value bytes as Kafka returns them. */
const valueOf = (record: ReturnType<typeof envelopeRecord>): Buffer => Buffer.from(record.value as string);

describe('envelope records', () => {
  it('are keyed by chat id, so a chat stays in one partition', () => {
    const e = envelope();
    expect(envelopeRecord(e).key).toBe(e.chatId);
  });

  it('read back to the same envelope, and nothing else', () => {
    const e = envelope();
    expect(decodeEnvelope(valueOf(envelopeRecord(e)))).toEqual({ envelope: e });
    const extra = Buffer.from(JSON.stringify({ ...e, admin: true }));
    expect(decodeEnvelope(extra)).toEqual({ envelope: e });
  });

  it('carry edits, deletions and system messages, each with its own fields only', () => {
    const change: MessageEnvelope = { type: 'edit', changeId: randomUUID(), messageId: randomUUID(), chatId: randomUUID(), senderId: randomUUID(), body: 'new text', acceptedAt: new Date().toISOString() };
    expect(decodeEnvelope(valueOf(envelopeRecord(change)))).toEqual({ envelope: change });
    const deletion: MessageEnvelope = { ...change, type: 'delete', body: null };
    expect(decodeEnvelope(valueOf(envelopeRecord(deletion)))).toEqual({ envelope: deletion });
    expect(decodeEnvelope(Buffer.from(JSON.stringify({ ...deletion, clientId: 'x', kind: 'TEXT' })))).toEqual({ envelope: deletion });
    const system: MessageEnvelope = { ...envelope(), body: '', type: 'send', kind: 'MEMBER_REMOVED', subjectId: randomUUID() };
    expect(decodeEnvelope(valueOf(envelopeRecord(system)))).toEqual({ envelope: system });
    const reply: MessageEnvelope = { ...envelope(), replyToId: randomUUID() };
    expect(decodeEnvelope(valueOf(envelopeRecord(reply)))).toEqual({ envelope: reply });
    // An envelope from before replies carries none of the optional fields, and reads back the same way.
    expect(JSON.parse(envelopeRecord(envelope()).value as string)).not.toHaveProperty('kind');
    const { body: _body, ...noBody } = change;
    expect(decodeEnvelope(Buffer.from(JSON.stringify({ ...noBody, changeId: 7 })))).toEqual({ reason: 'the record value lacks string fields: changeId' });
    expect(decodeEnvelope(Buffer.from(JSON.stringify({ ...envelope(), type: 'shout' })))).toEqual({ reason: 'the record value has an unknown type: shout' });
  });

  it('name what is wrong with a value that is not an envelope', () => {
    expect(decodeEnvelope(null)).toEqual({ reason: 'the record has no value' });
    expect(decodeEnvelope(Buffer.alloc(0))).toEqual({ reason: 'the record has no value' });
    expect(decodeEnvelope(Buffer.from('{"messageId":'))).toEqual({ reason: 'the record value is not JSON' });
    expect(decodeEnvelope(Buffer.from('[1,2]'))).toEqual({ reason: 'the record value is not a JSON object' });
    expect(decodeEnvelope(Buffer.from('"text"'))).toEqual({ reason: 'the record value is not a JSON object' });
    const { body: _body, ...noBody } = envelope();
    expect(decodeEnvelope(Buffer.from(JSON.stringify({ ...noBody, senderId: 42 })))).toEqual({
      reason: 'the record value lacks string fields: senderId, body',
    });
  });
});

describe('dead-letter records', () => {
  it('carry the envelope, the reason, when and where from; keyed like the original', () => {
    const e = envelope();
    const letter: DeadLetter = {
      envelope: e,
      value: null,
      reason: `chat ${e.chatId} does not exist`,
      rejectedAt: '2025-01-01T00:00:00.000Z',
      source: { topic: 'parley.messages', partition: 2, offset: '41' },
    };
    const record = deadLetterRecord(letter, Buffer.from(e.chatId));
    expect(record.key).toEqual(Buffer.from(e.chatId));
    expect(record.headers).toEqual({ [REASON_HEADER]: letter.reason });
    expect(parseDeadLetter(Buffer.from(record.value as string))).toEqual(letter);
  });

  it('keep an unreadable value byte for byte', () => {
    const raw = Buffer.from([0xff, 0x00, 0x7b]);
    const letter: DeadLetter = { envelope: null, value: raw.toString('base64'), reason: 'the record value is not JSON', rejectedAt: 'x', source: null };
    const back = parseDeadLetter(Buffer.from(deadLetterRecord(letter, null).value as string));
    expect(Buffer.from(back.value!, 'base64')).toEqual(raw);
  });
});

describe('topic sizing', () => {
  it('replicates three times where it can, never more than the brokers there are', () => {
    expect([0, 1, 2, 3, 5].map(replicationFactorFor)).toEqual([1, 1, 2, 3, 3]);
  });

  it('asks two in-sync copies of a write only when there are three replicas', () => {
    expect([1, 2, 3].map(minInSyncReplicasFor)).toEqual([1, 1, 2]);
  });
});
