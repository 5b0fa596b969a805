import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeDay } from '../../src/jobs/chat-summary.js';
import { SqlReporting } from '../../src/reporting/sql-reporting.js';
import { SqlDailyStatsRepository } from '../../src/relational/daily-stats-repository.js';
import { openRelational } from '../../src/relational/orm.js';
import { SeededHistory } from '../support/seeded-history.js';
import { codeOf, TestServer } from '../support/server.js';
import { relationalTargets } from '../support/targets.js';
import { directChat, signup, type TestUser } from '../support/users.js';

const MISSING = '00000000-0000-4000-8000-000000000000';
const CHAT_STATS = `query ($chatId: ID!, $from: Date!, $to: Date!) {
  chatStats(chatId: $chatId, from: $from, to: $to) { day messages senders firstMessageAt lastMessageAt }
}`;

describe.each(relationalTargets)('chatStats on $name', (target) => {
  let storage: Awaited<ReturnType<typeof target.provision>>;
  let server: TestServer;
  let ada: TestUser, bob: TestUser, eve: TestUser;
  let chatId: string;

  beforeAll(async () => {
    storage = await target.provision();
    server = await TestServer.attach(storage);
    [ada, bob, eve] = [await signup(server), await signup(server), await signup(server)];
    chatId = await directChat(server, ada, bob);
    // Messages with chosen times and the job's run need the database to themselves (PGlite is one process's).
    await server.stop();
    const orm = await openRelational(storage);
    try {
      const seeded = new SeededHistory(orm);
      await seeded.messages(chatId, [
        [ada.id, '2026-03-14T08:00:00.000Z'],
        [bob.id, '2026-03-14T09:00:00.000Z'],
        [ada.id, '2026-03-16T23:59:59.999Z'],
      ]);
      const engines = { reporting: new SqlReporting(orm), dailyStats: new SqlDailyStatsRepository(orm) };
      for (const day of ['2026-03-13', '2026-03-14', '2026-03-15', '2026-03-16', '2026-03-17']) await summarizeDay(engines, day);
    } finally {
      await orm.close();
    }
    server = await TestServer.attach(storage);
  });

  afterAll(async () => {
    await server?.stop();
    await storage?.dispose();
  });

  it('gives a member the days with messages, oldest first, both ends of the range included', async () => {
    const expected = [
      { day: '2026-03-14', messages: 2, senders: 2, firstMessageAt: '2026-03-14T08:00:00.000Z', lastMessageAt: '2026-03-14T09:00:00.000Z' },
      { day: '2026-03-16', messages: 1, senders: 1, firstMessageAt: '2026-03-16T23:59:59.999Z', lastMessageAt: '2026-03-16T23:59:59.999Z' },
    ];
    for (const member of [ada, bob]) {
      expect(await server.ok(CHAT_STATS, { chatId, from: '2026-03-13', to: '2026-03-17' }, member.token)).toEqual({ chatStats: expected });
    }
    expect(await server.ok(CHAT_STATS, { chatId, from: '2026-03-16', to: '2026-03-16' }, ada.token)).toEqual({ chatStats: [expected[1]] });
    expect(await server.ok(CHAT_STATS, { chatId, from: '2026-03-15', to: '2026-03-15' }, ada.token)).toEqual({ chatStats: [] });
  });

  it('is FORBIDDEN to a non-member, NOT_FOUND for an unknown chat, UNAUTHENTICATED without a token', async () => {
    const range = { from: '2026-03-13', to: '2026-03-17' };
    expect(codeOf(await server.gql(CHAT_STATS, { chatId, ...range }, eve.token))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(CHAT_STATS, { chatId: MISSING, ...range }, eve.token))).toBe('NOT_FOUND');
    expect(codeOf(await server.gql(CHAT_STATS, { chatId, ...range }))).toBe('UNAUTHENTICATED');
  });

  it('takes at most 366 days, and from no later than to: BAD_USER_INPUT otherwise', async () => {
    // 2026-01-01..2027-01-01 is 366 days with both ends.
    expect(await server.ok(CHAT_STATS, { chatId, from: '2026-01-01', to: '2027-01-01' }, ada.token)).toMatchObject({ chatStats: [{ day: '2026-03-14' }, { day: '2026-03-16' }] });
    const tooLong = await server.gql(CHAT_STATS, { chatId, from: '2026-01-01', to: '2027-01-02' }, ada.token);
    expect(codeOf(tooLong)).toBe('BAD_USER_INPUT');
    expect(tooLong.errors?.[0].message).toBe('from..to spans 367 days; at most 366 at a time');
    const backwards = await server.gql(CHAT_STATS, { chatId, from: '2026-03-17', to: '2026-03-13' }, ada.token);
    expect(codeOf(backwards)).toBe('BAD_USER_INPUT');
    expect(backwards.errors?.[0].message).toBe('from must not be after to');
  });

  it('refuses a Date that is not a calendar day as BAD_USER_INPUT', async () => {
    for (const from of ['2026-02-30', '2026-3-1', '2026-03-01T00:00:00Z']) {
      expect(codeOf(await server.gql(CHAT_STATS, { chatId, from, to: '2026-03-17' }, ada.token))).toBe('BAD_USER_INPUT');
    }
  });

  it('takes days from 1970-01-01 to 9999-12-31 only: BAD_USER_INPUT outside, never an engine error', async () => {
    for (const [from, to] of [
      ['1970-01-01', '1970-01-01'],
      ['9999-12-31', '9999-12-31'],
      ['9999-01-01', '9999-12-31'],
    ]) {
      expect(await server.ok(CHAT_STATS, { chatId, from, to }, ada.token)).toEqual({ chatStats: [] });
    }
    for (const [from, to] of [
      ['0000-01-01', '0000-01-02'],
      ['0001-01-01', '0001-01-01'],
      ['1969-12-31', '1970-01-01'],
      ['1969-01-01', '1969-12-31'],
    ]) {
      const refused = await server.gql(CHAT_STATS, { chatId, from, to }, ada.token);
      expect(codeOf(refused)).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0].message).toBe('from and to must be days from 1970-01-01 to 9999-12-31');
    }
  });
});
