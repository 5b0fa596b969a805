// @ts-check
// A helper bot: joins every chat it is added to and answers /help, /stats and /echo <text>.
// It uses only the public API, through the SDK, with its bot token (see docs/bots.md).
//
//   npm start                                          # another terminal; its build includes the SDK
//   PARLEY_BOT_TOKEN=<token> node sdk/examples/helper-bot.mjs
//
// Environment: PARLEY_BOT_TOKEN (required), PARLEY_URL (default http://localhost:4000/graphql),
// HELPER_BOT_STATE (default ./helper-bot-state.json: where it keeps its place in each chat),
// HELPER_BOT_STREAMS (default 50: chats answered at once, under the server's subscriptions per socket).
// Stop it with Ctrl+C; started again, it carries on after the last message it handled, so
// nothing is answered twice and nothing sent meanwhile is missed.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { createParleyClient, isParleyError } from '../dist/index.js';

/** @typedef {import('../dist/index.js').Message} Message */
/** @typedef {import('../dist/index.js').Chat} Chat */
/** @typedef {import('../dist/index.js').ParleyClient} ParleyClient */
/** @typedef {{ chats: Record<string, number> }} BotState  the last seq handled, per chat */

export const HELP =
  'I answer three commands: /help (this text), /stats (this chat over the last 30 days, from the nightly summary) and /echo <text> (I say it back).';

const STATS_DAYS = 30;

/** Chats answered at once, each with a stream open: well under a socket's 100 subscriptions. */
const DEFAULT_MAX_STREAMS = 50;

/** `YYYY-MM-DD` of the UTC day `daysAgo` days before today. */
const utcDay = (daysAgo = 0) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

/**
 * The command a message body holds, or null: `/name` (any case) then its argument.
 * @param {string} body
 */
export function parseCommand(body) {
  const match = /^\/([a-z]+)(?:\s+([\s\S]*))?$/i.exec(body.trim());
  return match ? { name: match[1].toLowerCase(), text: (match[2] ?? '').trim() } : null;
}

/**
 * What the bot says to a message, or null to stay quiet (not a command, or another bot's
 * command, including its own: two bots would otherwise answer each other forever).
 * @param {ParleyClient} parley
 * @param {Message} message
 */
export async function replyTo(parley, message) {
  if (message.kind !== 'TEXT' || message.sender.isBot) return null;
  const command = parseCommand(message.body);
  switch (command?.name) {
    case 'help':
      return HELP;
    case 'echo':
      return command.text || 'Usage: /echo <text>';
    case 'stats': {
      const days = await parley.chatStats(message.chatId, { from: utcDay(STATS_DAYS - 1), to: utcDay() });
      if (days.length === 0) return `No statistics for the last ${STATS_DAYS} days yet: each day is summarized the night after.`;
      const messages = days.reduce((sum, day) => sum + day.messages, 0);
      const busiest = days.reduce((a, b) => (b.messages > a.messages ? b : a));
      return `Last ${STATS_DAYS} days: ${messages} messages on ${days.length} days; busiest ${busiest.day} with ${busiest.messages} from ${busiest.senders} people.`;
    }
    default:
      return null; // not for this bot: other bots may share the chat
  }
}

/** How long to wait after RATE_LIMITED when the server does not say. */
const RATE_LIMIT_WAIT_MS = 1000;

/**
 * Calls `operation` until it does not answer RATE_LIMITED, waiting what the server says between
 * tries. The bot's limits are a person's (sends per window, operations at once), and the people
 * of its chats together can ask it for more than that: stopping on it would let anyone in a chat
 * stop the bot with a burst of commands. Safe to repeat: a send keeps its clientId.
 * @template T
 * @param {() => Promise<T>} operation
 * @param {AbortSignal | undefined} signal
 * @returns {Promise<T>}
 */
async function patiently(operation, signal) {
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (!isParleyError(error, 'RATE_LIMITED') || signal?.aborted) throw error;
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, error.retryAfterMs ?? RATE_LIMIT_WAIT_MS);
        signal?.addEventListener('abort', () => (clearTimeout(timer), resolve(undefined)), { once: true });
      });
      if (signal?.aborted) throw error;
    }
  }
}

/**
 * The state file, or a fresh state when there is none yet.
 * @param {string} file
 * @returns {Promise<BotState>}
 */
async function loadState(file) {
  try {
    const state = JSON.parse(await readFile(file, 'utf8'));
    return { chats: { ...state.chats } };
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT') return { chats: {} };
    throw error;
  }
}

/**
 * Runs the bot until `signal` aborts (resolves) or something retrying cannot fix happens,
 * e.g. its token was revoked (rejects with that ParleyError).
 * @param {{ url: string, token: string, stateFile: string, signal?: AbortSignal, log?: (line: string) => void, maxStreams?: number }} options
 */
export async function runHelperBot({ url, token, stateFile, signal, log = console.log, maxStreams = DEFAULT_MAX_STREAMS }) {
  const parley = createParleyClient({ url, token });
  /** @type {(error: unknown) => void} */
  let fail = () => undefined;
  const failed = new Promise((_, reject) => (fail = reject));
  failed.catch(() => undefined); // awaited below; a failure while starting up is not an unhandled rejection
  try {
    const me = await parley.me();
    const state = await loadState(stateFile);
    /** Saves one after the other; written whole then renamed, so a crash never leaves half a file. */
    let saving = Promise.resolve();
    const save = () =>
      (saving = saving.then(async () => {
        await writeFile(`${stateFile}.tmp`, JSON.stringify(state, null, 2));
        await rename(`${stateFile}.tmp`, stateFile);
      }));

    /*
     * A stream per chat only while the chat has messages the bot has not handled: chatUpdated
     * says when a chat has new ones (its lastSeq), and the chat's stream replays from the last
     * one handled and closes once it reaches that lastSeq. A socket carries a bounded number of
     * subscriptions (100 by default), so a stream kept open per chat would stop the bot once it
     * is in that many chats (and anyone may add it to groups); at most `maxStreams` are open.
     */
    /** Every chat the bot is in, as far as it knows. */
    const following = new Set();
    /** The newest seq each chat is known to have. */
    const lastSeqs = new Map();
    /** Chats waiting for a stream, and those with one open. */
    const waiting = new Set();
    const streaming = new Set();
    /** @param {string} chatId */
    const behind = (chatId) => following.has(chatId) && (state.chats[chatId] ?? 0) < (lastSeqs.get(chatId) ?? 0);

    /** @param {Chat} chat */
    const follow = (chat) => {
      if (!following.has(chat.id)) {
        following.add(chat.id);
        // A chat it knows resumes after the last message handled. A new one starts where the
        // server says the bot has read: everything before it joined (and its own messages).
        if (state.chats[chat.id] === undefined) {
          state.chats[chat.id] = chat.lastReadSeq;
          void save().catch(fail);
        }
      }
      lastSeqs.set(chat.id, Math.max(lastSeqs.get(chat.id) ?? 0, chat.lastSeq));
      if (behind(chat.id) && !streaming.has(chat.id)) waiting.add(chat.id);
      startStreams();
    };

    const startStreams = () => {
      for (const chatId of waiting) {
        if (streaming.size >= maxStreams || signal?.aborted) return;
        waiting.delete(chatId);
        streaming.add(chatId);
        void answerIn(chatId)
          .finally(() => {
            streaming.delete(chatId);
            // Written in again after its stream had caught up: another round.
            if (behind(chatId)) waiting.add(chatId);
            startStreams();
          })
          .catch(fail);
      }
    };

    /** Answers the chat's messages after the last one handled, up to its newest known. @param {string} chatId */
    const answerIn = async (chatId) => {
      const messages = parley.messageAdded(chatId, { afterSeq: state.chats[chatId], signal });
      try {
        for await (const message of messages) {
          const reply = await patiently(() => replyTo(parley, message), signal);
          if (reply !== null) {
            // The clientId is derived from the message: if the bot dies after sending but before
            // saving, the send after the restart is a retry of the same message, stored once.
            const options = { clientId: `helper-bot:${message.id}`, replyToId: message.id };
            await patiently(() => parley.sendMessage(chatId, reply, options), signal);
            log(`answered /${parseCommand(message.body)?.name} in ${chatId} #${message.seq}`);
          }
          state.chats[chatId] = message.seq;
          await save();
          if (!behind(chatId)) return;
        }
      } catch (error) {
        // Removed from a group (or it left): forget the chat; anything else ends the bot.
        if (!isParleyError(error, 'FORBIDDEN')) throw error;
        following.delete(chatId);
        lastSeqs.delete(chatId);
        delete state.chats[chatId];
        await save();
        log(`no longer in ${chatId}`);
      } finally {
        messages.close();
      }
    };

    // Chats joined from now on: chatUpdated brings each as it is created, joined or written in.
    // Its events are not replayed, so after each reconnect the chat list is read again.
    const readChats = async () => {
      for (let after = /** @type {string | undefined} */ (undefined); ; ) {
        const page = await patiently(() => parley.chats({ first: 100, after }), signal);
        for (const { node } of page.edges) follow(node);
        if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return;
        after = page.pageInfo.endCursor;
      }
    };
    const updates = parley.chatUpdated({ signal, onReconnect: () => readChats().catch(fail) });
    void (async () => {
      for await (const chat of updates) follow(chat);
    })().catch(fail);
    await readChats();
    log(`helper bot ${me.username} is listening in ${following.size} chats`);

    const stopped = new Promise((resolve) => {
      if (signal?.aborted) resolve(undefined);
      signal?.addEventListener('abort', () => resolve(undefined), { once: true });
    });
    await Promise.race([stopped, failed]);
    await saving;
  } finally {
    await parley.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const token = process.env.PARLEY_BOT_TOKEN;
  if (!token) {
    console.error('Set PARLEY_BOT_TOKEN to the token createBot gave (see docs/bots.md).');
    process.exit(2);
  }
  const streams = process.env.HELPER_BOT_STREAMS;
  if (streams !== undefined && !/^[1-9]\d{0,4}$/.test(streams)) {
    console.error(`HELPER_BOT_STREAMS must be a whole number from 1, got ${JSON.stringify(streams)}.`);
    process.exit(2);
  }
  const stop = new AbortController();
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.once(signal, () => stop.abort());
  try {
    await runHelperBot({
      url: process.env.PARLEY_URL ?? 'http://localhost:4000/graphql',
      token,
      stateFile: process.env.HELPER_BOT_STATE ?? 'helper-bot-state.json',
      maxStreams: streams === undefined ? undefined : Number(streams),
      signal: stop.signal,
    });
  } catch (error) {
    console.error(isParleyError(error) ? `helper bot stopped: ${error.code}: ${error.message}` : error);
    process.exitCode = 1;
  }
}
