import { parseArgs } from 'node:util';
import { MessageCipher } from '../encryption/message-cipher.js';
import { rekey, type RekeyReport } from '../encryption/rekey.js';
import type { BodyPosition, MessageStore } from '../message-store/port.js';
import { openMessageStore } from '../message-store/open-message-store.js';
import { migrateRelational, openRelational, relationalOptionsOf, type RelationalOrm } from '../relational/orm.js';
import { silentLogger } from '../observability/log.js';
import { oneLine } from '../support/error-text.js';
import { configOrExit } from '../support/process-lifecycle.js';

/**
 * `npm run rekey` (in the image: `node server/dist/scripts/rekey.js`):
 * re-seals every stored message body under the first key of MESSAGE_KEYS,
 * and seals the plain bodies stored before encryption was turned on. Safe
 * while Parley runs on PostgreSQL or MongoDB (compare-and-set per body);
 * resumable by running it again, or from the printed position with
 * `--after <chatId>:<seq>`. Exits 0 when every body is under the first key,
 * 1 when some could not be (a key missing, a damaged body, one that kept
 * changing under the old key, or a failure),
 * 2 on a bad command line.
 */
const LABEL = 'parley rekey';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function usage(message: string): never {
  console.error(`${LABEL}: ${message} (usage: [--after <chatId>:<seq>] [--page <1-10000>])`);
  process.exit(2);
}

let after: BodyPosition | null = null;
let pageSize = 500;
try {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { after: { type: 'string' }, page: { type: 'string' } }, strict: true, allowPositionals: false });
  if (values.after !== undefined) {
    const [chatId, seq] = values.after.split(':');
    if (!chatId || !UUID.test(chatId) || !/^\d{1,10}$/.test(seq ?? '')) usage(`--after must be <chatId>:<seq>, got ${JSON.stringify(values.after)}`);
    after = { chatId, seq: Number(seq) };
  }
  if (values.page !== undefined) {
    pageSize = Number(values.page);
    if (!/^\d+$/.test(values.page) || pageSize < 1 || pageSize > 10_000) usage(`--page must be an integer from 1 to 10000, got ${JSON.stringify(values.page)}`);
  }
} catch (error) {
  usage((error as Error).message);
}

// Like the chat summary job: no tokens, so production needs no JWT_SECRET here.
const config = configOrExit(LABEL, process.env, { signsTokens: false });
if (!config.messageKeys) {
  console.error(`${LABEL}: MESSAGE_KEYS is not set: there is no key to encrypt with`);
  process.exit(2);
}
const cipher = new MessageCipher(config.messageKeys);
const summary = (r: RekeyReport): string => {
  const missing = Object.entries(r.missingKeys).map(([id, n]) => `${n} under missing key "${id}"`);
  return [
    `${r.scanned} bodies read`,
    `${r.rewritten} rewritten under "${cipher.currentKeyId}"`,
    `${r.current} already current or empty`,
    ...(r.raced > 0 ? [`${r.raced} changed meanwhile and read again`] : []),
    ...missing,
    ...(r.unreadable.length > 0 ? [`${r.unreadable.length} unreadable (${r.unreadable.slice(0, 5).join(', ')}${r.unreadable.length > 5 ? ', …' : ''})`] : []),
    ...(r.unsettled.length > 0 ? [`${r.unsettled.length} kept changing and are left for another run (${r.unsettled.slice(0, 5).join(', ')}${r.unsettled.length > 5 ? ', …' : ''})`] : []),
  ].join(', ');
};

let orm: RelationalOrm | undefined;
let store: MessageStore | undefined;
let position: BodyPosition | null = after;
try {
  const relational = relationalOptionsOf(config);
  orm = await openRelational(relational);
  const applied = await migrateRelational(orm, relational);
  if (applied.length > 0) console.log(`${LABEL}: applied migrations ${applied.join(', ')}`);
  store = await openMessageStore(config, orm, silentLogger);
  let pages = 0;
  const report = await rekey(store, cipher, {
    pageSize,
    after,
    onPage: (at, r) => {
      position = at;
      if (++pages % 20 === 0) console.log(`${LABEL}: at ${at.chatId}:${at.seq}: ${summary(r)}`);
    },
  });
  console.log(`${LABEL}: done: ${summary(report)}`);
  if (Object.keys(report.missingKeys).length > 0 || report.unreadable.length > 0 || report.unsettled.length > 0) process.exitCode = 1;
} catch (error) {
  console.error(`${LABEL}: failed${position ? ` after ${position.chatId}:${position.seq} (resume with --after ${position.chatId}:${position.seq}, or run again)` : ''}: ${oneLine(error)}`);
  process.exitCode = 1;
} finally {
  await store?.close().catch(() => undefined);
  await orm?.close().catch(() => undefined);
}
process.exit();
