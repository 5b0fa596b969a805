import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openRelational, type RelationalOrm } from '../../src/relational/orm.js';
import { relationalTargets } from '../support/targets.js';

const ID = "'00000000-0000-4000-8000-000000000000'";

/** The statements behind every API query, in the shape the repositories send them. */
const queries: [string, string][] = [
  ['login by username', `select * from users where username = 'ada'`],
  ['user search by username prefix', `select * from users where username like 'ad%' order by username limit 20`],
  ['user search by display-name prefix', `select * from users where lower(display_name) like 'ad%' limit 20`],
  ['chat list of a member', `select c.* from members m join chats c on c.id = m.chat_id where m.user_id = ${ID}`],
  ['membership check', `select last_read_seq from members where chat_id = ${ID} and user_id = ${ID}`],
  ['members of a chat', `select user_id from members where chat_id = ${ID}`],
  ['direct chat of a pair', `select * from chats where direct_key = 'a:b'`],
  ['history forward', `select * from messages where chat_id = ${ID} and seq > 100 order by seq limit 51`],
  ['history backward', `select * from messages where chat_id = ${ID} and seq < 100 order by seq desc limit 51`],
  ['next seq of a chat', `select max(seq) from messages where chat_id = ${ID}`],
  ['a retried send by its client key', `select * from messages where sender_id = ${ID} and chat_id = ${ID} and client_id = 'k'`],
  ['chats after a key, for the start-up activity repair', `select id, last_seq from chats where id > ${ID} order by id limit 1000`],
  ['messages by id', `select * from messages where id in (${ID}, ${ID})`],
  [
    'one day of messages for the chat summary job',
    `select chat_id, count(*), count(distinct sender_id), min(created_at), max(created_at) from messages
      where created_at >= '2026-03-14T00:00:00Z' and created_at < '2026-03-15T00:00:00Z' group by grouping sets ((chat_id), ())`,
  ],
  ['a re-run replacing its day of chat stats', `delete from chat_daily_stats where day = '2026-03-14'`],
  ['chatStats of one chat', `select * from chat_daily_stats where chat_id = ${ID} and day >= '2026-01-01' and day <= '2026-12-31' order by day`],
  ['a re-run replacing its day of activity', `delete from daily_activity where day = '2026-03-14'`],
  [
    'the live check of every watched chat',
    `select v.chat_id, v.user_id, c.last_seq, exists (select 1 from members m where m.chat_id = v.chat_id and m.user_id = v.user_id) as member
       from unnest(array[${ID}, ${ID}]::uuid[], array[${ID}, ${ID}]::uuid[]) as v(chat_id, user_id) join chats c on c.id = v.chat_id`,
  ],
];

describe.each(relationalTargets)('indexes on $name', (target) => {
  let storage: Awaited<ReturnType<typeof target.provision>>;
  let orm: RelationalOrm;
  beforeAll(async () => {
    storage = await target.provision();
    orm = await openRelational({ dataDir: storage.dataDir, databaseUrl: storage.databaseUrl });
    await migrate(orm);
  });
  afterAll(async () => {
    await orm?.close();
    await storage?.dispose();
  });

  // With sequential scans priced out, the planner still picks one only when no index can serve.
  it.each(queries)('%s is served by an index', async (_name, query) => {
    const plan = await orm.em.fork().transactional(async (em) => {
      await em.execute('set local enable_seqscan = off');
      const rows = await em.execute<{ 'QUERY PLAN': string }[]>(`explain ${query}`);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).not.toMatch(/Seq Scan/);
  });
});
