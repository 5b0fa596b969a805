import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openRelational, type RelationalOrm } from '../../src/relational/orm.js';
import { SeededHistory } from '../support/seeded-history.js';
import { relationalTargets } from '../support/targets.js';

/** The two ways the membership port reads the members table: the whole list (to cache) and one user (uncached). */
describe.each(relationalTargets)('membership reads on $name', (target) => {
  let storage: Awaited<ReturnType<typeof target.provision>>;
  let orm: RelationalOrm;
  let seeded: SeededHistory;
  beforeAll(async () => {
    storage = await target.provision();
    orm = await openRelational({ dataDir: storage.dataDir, databaseUrl: storage.databaseUrl });
    await migrate(orm);
    seeded = new SeededHistory(orm);
  });
  afterAll(async () => {
    await orm?.close();
    await storage?.dispose();
  });

  it('answers one user’s membership as the member list does: member, non-member, emptied chat, missing chat', async () => {
    const [ada, bob, cid] = [await seeded.user(), await seeded.user(), await seeded.user()];
    const chat = await seeded.group([ada, bob]);
    const empty = await seeded.group([]);
    const missing = randomUUID();
    for (const [chatId, userId] of [[chat, ada], [chat, bob], [chat, cid], [empty, ada], [missing, ada]] as const) {
      const members = await seeded.chats.membersOf(chatId);
      expect(await seeded.chats.isMember(chatId, userId), `${chatId} ${userId}`).toBe(members === null ? null : members.includes(userId));
    }
    expect(await seeded.chats.isMember(chat, cid)).toBe(false);
    expect(await seeded.chats.isMember(empty, ada)).toBe(false);
    expect(await seeded.chats.isMember(missing, ada)).toBeNull();
  });
});
