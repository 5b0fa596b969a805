import { GROUP_SIZE, names, SIGNAL_GROUP_SIZE, signalLayout } from './ids.mjs';

/** Words of the history chat's vocabulary: w1 (the commonest) .. w20000. */
export const SEARCH_VOCABULARY = 20_000;

/*
 * Everything the scenarios need is written straight into the database while
 * Parley is stopped, with set-based SQL (generate_series), the same on PGlite
 * and PostgreSQL. Ids are md5(name)::uuid, matching ids.mjs. Creating the same
 * through the API would mostly measure scrypt (signup) and take minutes.
 *
 *   users      0 .. U-1, all with one known password
 *   rooms      ceil(connections / 10) group chats of 10 users; one message each
 *              (connections subscribe with afterSeq 0: the replayed message proves the subscription is live)
 *   send chats ceil(clients / 10) group chats of 10 users (send throughput)
 *   fanout-n   for each subscriber count n: users 0..n-1 subscribe, user n sends; one message
 *   crowd      users 0..C-1 subscribe, user C sends: one chat of C + 1 members; one message
 *   history    users 0 and 1, `history` messages, chats.last_seq set to match
 *   signals    users and groups of their own (ids.mjs, signalLayout): watchers in
 *              groups of 100, the pacer and the probe in all, churners spread over them
 */

export function seedPlan({ connections, subscribers, clients, history, crowd = 0, signalWatchers = 0 }) {
  const maxSubscribers = Math.max(0, ...subscribers);
  return {
    users: Math.max(connections, maxSubscribers + 1, clients, crowd > 0 ? crowd + 1 : 0, 2),
    rooms: Math.ceil(connections / GROUP_SIZE),
    connections,
    sendChats: Math.ceil(clients / GROUP_SIZE),
    clients,
    subscribers,
    history,
    crowd,
    signals: signalWatchers > 0 ? signalLayout(signalWatchers) : null,
  };
}

/** Quotes a value the bench made itself (run id, hash) as an SQL literal. */
const literal = (value) => `'${String(value).replaceAll("'", "''")}'`;
const id = (nameSql) => `md5(${nameSql})::uuid`;

export function seedSql(runId, plan, passwordHash) {
  const n = (prefix) => (expr) => `${literal(prefix)} || (${expr})::text`;
  const user = n(names.user(runId, ''));
  const room = n(names.room(runId, ''));
  const sendChat = n(names.sendChat(runId, ''));
  const statements = [];

  statements.push(`
    insert into users (id, username, display_name, password_hash, created_at)
    select ${id(user('i'))}, ${literal(`${runId}_`)} || i, 'Bench user ' || i, ${literal(passwordHash)}, now()
      from generate_series(0, ${plan.users - 1}) i`);

  if (plan.rooms > 0) {
    statements.push(`
      insert into chats (id, kind, title, direct_key, last_seq, last_event_seq, text_count, last_message_id, created_at, updated_at)
      select ${id(room('r'))}, 'GROUP', 'Room ' || r, null, 1, 1, 1, ${id(`${room('r')} || ':seed'`)}, now(), now()
        from generate_series(0, ${plan.rooms - 1}) r`);
    statements.push(`
      insert into members (chat_id, user_id, last_read_seq, joined_at)
      select ${id(room(`i / ${GROUP_SIZE}`))}, ${id(user('i'))}, 0, now()
        from generate_series(0, ${plan.connections - 1}) i`);
    statements.push(`
      insert into messages (id, chat_id, seq, sender_id, body, client_id, created_at, event_seq, changed_seq, changed_at, text_seq)
      select ${id(`${room('r')} || ':seed'`)}, ${id(room('r'))}, 1, ${id(user(`r * ${GROUP_SIZE}`))}, 'Welcome to room ' || r, 'seed-room-' || r, now(), 1, 1, now(), 1
        from generate_series(0, ${plan.rooms - 1}) r`);
  }

  if (plan.sendChats > 0) {
    statements.push(`
      insert into chats (id, kind, title, direct_key, last_seq, last_message_id, created_at, updated_at)
      select ${id(sendChat('t'))}, 'GROUP', 'Send chat ' || t, null, 0, null, now(), now()
        from generate_series(0, ${plan.sendChats - 1}) t`);
    statements.push(`
      insert into members (chat_id, user_id, last_read_seq, joined_at)
      select ${id(sendChat(`i / ${GROUP_SIZE}`))}, ${id(user('i'))}, 0, now()
        from generate_series(0, ${plan.clients - 1}) i`);
  }

  for (const count of plan.subscribers) {
    const chat = literal(names.fanout(runId, count));
    const seedMessage = literal(`${names.fanout(runId, count)}:seed`);
    statements.push(`
      insert into chats (id, kind, title, direct_key, last_seq, last_event_seq, text_count, last_message_id, created_at, updated_at)
      values (${id(chat)}, 'GROUP', 'Fan-out ${count}', null, 1, 1, 1, ${id(seedMessage)}, now(), now())`);
    statements.push(`
      insert into members (chat_id, user_id, last_read_seq, joined_at)
      select ${id(chat)}, ${id(user('i'))}, 0, now() from generate_series(0, ${count}) i`);
    statements.push(`
      insert into messages (id, chat_id, seq, sender_id, body, client_id, created_at, event_seq, changed_seq, changed_at, text_seq)
      values (${id(seedMessage)}, ${id(chat)}, 1, ${id(user(String(count)))}, 'Fan-out ${count} starts here', 'seed-fanout-${count}', now(), 1, 1, now(), 1)`);
  }

  if (plan.crowd > 0) {
    const chat = literal(names.crowd(runId));
    const seedMessage = literal(`${names.crowd(runId)}:seed`);
    statements.push(`
      insert into chats (id, kind, title, direct_key, last_seq, last_event_seq, text_count, last_message_id, created_at, updated_at)
      values (${id(chat)}, 'GROUP', 'Crowd', null, 1, 1, 1, ${id(seedMessage)}, now(), now())`);
    statements.push(`
      insert into members (chat_id, user_id, last_read_seq, joined_at)
      select ${id(chat)}, ${id(user('i'))}, 0, now() from generate_series(0, ${plan.crowd}) i`);
    statements.push(`
      insert into messages (id, chat_id, seq, sender_id, body, client_id, created_at, event_seq, changed_seq, changed_at, text_seq)
      values (${id(seedMessage)}, ${id(chat)}, 1, ${id(user(String(plan.crowd)))}, 'The crowd gathers here', 'seed-crowd', now(), 1, 1, now(), 1)`);
  }

  if (plan.signals) statements.push(...signalSql(runId, plan.signals, passwordHash));

  const historyChat = id(literal(names.history(runId)));
  statements.push(`
    insert into chats (id, kind, title, direct_key, last_seq, last_message_id, created_at, updated_at)
    values (${historyChat}, 'GROUP', 'History', null, 0, null, now(), now())`);
  statements.push(`
    insert into members (chat_id, user_id, last_read_seq, joined_at)
    select ${historyChat}, ${id(user('i'))}, 0, now() from generate_series(0, 1) i`);
  if (plan.history > 0) {
    // One statement for the whole history: seq 1..H, oldest first, a second apart. Each body has
    // eight words of a 20,000-word vocabulary drawn as natural language draws them (Zipf-like: word k
    // with probability ~ 1/k), so that searching it costs what searching real chat costs (search.mjs).
    statements.push(`
      insert into messages (id, chat_id, seq, sender_id, body, client_id, created_at, event_seq, changed_seq, changed_at, text_seq)
      select gen_random_uuid(), ${historyChat}, s, ${id(user('s % 2'))},
             'History message ' || s || ': ' ||
               (select string_agg('w' || floor(exp(random() * ln(${SEARCH_VOCABULARY})))::int, ' ') from generate_series(1, 8) w where w > s * 0),
             'history-' || s,
             now() - make_interval(secs => ${plan.history} - s), s, s, now() - make_interval(secs => ${plan.history} - s), s
        from generate_series(1, ${plan.history}) s`);
    statements.push(`
      update chats set last_seq = ${plan.history}, last_event_seq = ${plan.history}, text_count = ${plan.history}, updated_at = now(),
             last_message_id = (select id from messages where chat_id = ${historyChat} and seq = ${plan.history})
       where id = ${historyChat}`);
  }
  // Fresh planner statistics, as a database that has lived with this data would have.
  statements.push('analyze');
  return statements.map((s) => s.trim().replace(/\s+/g, ' '));
}

/** The signals scenario's users, groups and memberships (the layout of ids.mjs, signalLayout). */
function signalSql(runId, layout, passwordHash) {
  const n = (prefix) => (expr) => `${literal(prefix)} || (${expr})::text`;
  const user = n(names.signalUser(runId, ''));
  const group = n(names.signalGroup(runId, ''));
  const { watchers, groups, pacer, probe, firstChurner, users } = layout;
  return [
    `insert into users (id, username, display_name, password_hash, created_at)
     select ${id(user('i'))}, ${literal(`${runId}_s`)} || i, 'Signal user ' || i, ${literal(passwordHash)}, now()
       from generate_series(0, ${users - 1}) i`,
    `insert into chats (id, kind, title, direct_key, last_seq, last_message_id, created_at, updated_at)
     select ${id(group('g'))}, 'GROUP', 'Team ' || g, null, 0, null, now(), now()
       from generate_series(0, ${groups - 1}) g`,
    `insert into members (chat_id, user_id, last_read_seq, joined_at)
     select ${id(group(`i / ${SIGNAL_GROUP_SIZE}`))}, ${id(user('i'))}, 0, now()
       from generate_series(0, ${watchers - 1}) i`,
    `insert into members (chat_id, user_id, last_read_seq, joined_at)
     select ${id(group(`(i - ${firstChurner}) % ${groups}`))}, ${id(user('i'))}, 0, now()
       from generate_series(${firstChurner}, ${users - 1}) i`,
    `insert into members (chat_id, user_id, last_read_seq, joined_at)
     select ${id(group('g'))}, ${id(user('p'))}, 0, now()
       from generate_series(0, ${groups - 1}) g, (values (${pacer}), (${probe})) v(p)`,
  ];
}
