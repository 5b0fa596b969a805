import { now, sleep, withTimeout } from '../clock.mjs';
import { errorCode, graphqlClient } from '../http-graphql.mjs';
import { mintToken, SIGNAL_GROUP_SIZE, signalGroupId, signalGroupOf, signalLayout, signalUserId } from '../ids.mjs';
import { Samples } from '../stats.mjs';
import { subscribe } from './graphql-ws-socket.mjs';
import { CHAT_EVENTS, frameId, PRESENCE_CHANGED, presenceOf, signalIndex, typingOf } from './signal-frames.mjs';
import { serve } from './worker-runtime.mjs';

/*
 * What makes the signals of the signals scenario: typists calling setTyping
 * over HTTP (as the SDK does) and churners opening and closing their socket.
 * Every action is logged as (user, flag, the time it was issued): flag 1 is a
 * start or a connect, 0 a stop or a close.
 *
 * It also holds the pacer: a user in every group, with chatEvents of each and
 * presenceChanged on one socket. At saturation the typists keep at most
 * `window` signals that the pacer has not seen yet, and each churner waits
 * for the pacer to see its change before making the next, so the server is
 * kept busy without an unbounded backlog.
 */

const SET_TYPING = 'mutation($chatId: ID!, $typing: Boolean!) { setTyping(chatId: $chatId, typing: $typing) }';

/** The server passes at most one start per user per chat per second: a typist starts again this long after its stop was answered. */
const RESTART_AFTER_MS = 1_200;
/** Fixed-rate phases: each typist types for TYPING_MS of every CYCLE_MS; each churner is online for ONLINE_MS of every CYCLE_MS. */
const CYCLE_MS = 4_000;
const TYPING_MS = 1_500;
const ONLINE_MS = 2_000;

let layout;
let runId;
let secret;
let http;
let wsUrl;
let index;
const tokens = new Map();
const tokenOf = (user) => {
  let token = tokens.get(user);
  if (!token) tokens.set(user, (token = mintToken(secret, signalUserId(runId, user))));
  return token;
};

const pacerSeen = { typing: 0, presence: 0 };
const pacerLive = { groups: new Set(), presence: false };
/** Churner -> the flag whose arrival at the pacer it waits for (closed loop). */
const churnWaits = new Map();
let pacerSocket = null;
let probeSocket = null;
let lastProbeTypingAt = 0;

/** Set during the typing saturation phase: called whenever a signal is answered or seen by the pacer. */
let regrant = null;

function onPacer(raw) {
  const id = frameId(raw);
  if (id === 'p') {
    const signal = presenceOf(raw);
    const who = signal && index.get(signal.userId);
    if (who === layout.probe) pacerLive.presence ||= signal.online;
    else if (who >= layout.firstChurner) {
      pacerSeen.presence++;
      const wait = churnWaits.get(who);
      if (wait && wait.flag === (signal.online ? 1 : 0)) {
        churnWaits.delete(who);
        wait.resolve();
      }
    }
    return;
  }
  const signal = typingOf(raw);
  const who = signal && index.get(signal.userId);
  if (who === layout.probe) {
    if (signal.typing) pacerLive.groups.add(id);
  } else if (who !== undefined && who < layout.watchers) {
    pacerSeen.typing++;
    regrant?.();
  }
}

async function init(options) {
  ({ runId, secret, wsUrl } = options);
  layout = signalLayout(options.watchers);
  index = signalIndex(runId, layout);
  http = graphqlClient(options.httpUrl);
  return { type: 'ready' };
}

/** The pacer connects after the watchers, so in each group it is told after them (it is not always reached last). */
async function connectPacer() {
  pacerSocket = await subscribe({
    url: wsUrl,
    token: tokenOf(layout.pacer),
    operations: [
      ...Array.from({ length: layout.groups }, (_, g) => ({ id: `e${g}`, query: CHAT_EVENTS, variables: { chatId: signalGroupId(runId, g) } })),
      { id: 'p', query: PRESENCE_CHANGED },
    ],
    onNext: onPacer,
  });
  return { type: 'pacerConnected' };
}

function setTyping(user, group, typing) {
  const sentAt = now();
  return http.post(SET_TYPING, { chatId: signalGroupId(runId, group), typing }, tokenOf(user)).then(
    ({ body }) => ({ sentAt, doneAt: now(), code: errorCode(body) }),
    (error) => ({ sentAt, doneAt: now(), code: `NETWORK: ${error.message}` }),
  );
}

/**
 * One round of proof that every subscription is live: the probe (in every
 * group) arrives, then types in each group. Sockets that see both are live;
 * a later round first takes the probe offline, so that it arrives again.
 */
async function probe({ graceMs }) {
  if (probeSocket) {
    probeSocket.close(1000);
    probeSocket = null;
    await sleep(graceMs + 300);
  }
  probeSocket = await subscribe({ url: wsUrl, token: tokenOf(layout.probe), operations: [] });
  const wait = lastProbeTypingAt + RESTART_AFTER_MS - now();
  if (wait > 0) await sleep(wait);
  const groups = Array.from({ length: layout.groups }, (_, g) => g);
  const codes = await Promise.all(groups.map((g) => setTyping(layout.probe, g, true)));
  await sleep(100);
  codes.push(...(await Promise.all(groups.map((g) => setTyping(layout.probe, g, false)))));
  lastProbeTypingAt = now();
  const failed = codes.find((r) => r.code);
  if (failed) throw new Error(`the probe's setTyping failed: ${failed.code}`);
  return { type: 'probed' };
}

/**
 * Before anything is measured, each user asks `me` once. That puts every
 * user in the server's process-wide user cache, where a server that has run
 * a while keeps its active users; without it, the first signal about each
 * user is measured with its user lookup.
 */
async function warm({ concurrency = 32 }) {
  let next = 0;
  let failed = null;
  const runner = async () => {
    while (next < layout.users) {
      const { body } = await http.post('{ me { id } }', {}, tokenOf(next++));
      failed ??= errorCode(body);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, runner));
  if (failed) throw new Error(`me failed: ${failed}`);
  return { type: 'warmed' };
}

const pacerState = () => ({ type: 'pacer', seen: { ...pacerSeen }, live: { groups: pacerLive.groups.size, presence: pacerLive.presence } });

/** The log of one phase's actions, in the order they were issued. */
function newLog() {
  return { user: new Samples(1 << 12), flag: new Samples(1 << 12), at: new Samples(1 << 12), answered: new Samples(1 << 12), errors: new Map() };
}
const logged = (log, user, flag, at) => {
  log.user.push(user);
  log.flag.push(flag);
  log.at.push(at);
};
const countError = (log, code) => log.errors.set(code, (log.errors.get(code) ?? 0) + 1);
const logReply = (log, type, startedAt, endedAt, extra = {}) => ({
  type,
  issued: log.user.length,
  users: log.user.toArray(),
  flags: log.flag.toArray(),
  at: log.at.toArray(),
  answeredMs: log.answered.toArray(),
  errors: [...log.errors],
  startedAt,
  endedAt,
  ...extra,
});

/** Waits until `due` on the wall clock: sleep most of the way, then spin on setImmediate for the last millisecond. */
async function until(due) {
  const wait = due - now();
  if (wait > 1) await sleep(wait - 0.5);
  while (now() < due) await new Promise((r) => setImmediate(r));
}

/**
 * Actions of the fixed-rate phases: `count` users, user j starting its
 * cycle at j * CYCLE_MS / count, so starts are spread evenly over time. Only
 * starts fall inside the phase; each start's stop follows even past its end,
 * so that no one is left typing (or online) into the next phase.
 */
function schedule(users, durationMs, activeMs, startAt) {
  const actions = [];
  users.forEach((user, j) => {
    for (let t = (j * CYCLE_MS) / users.length; t < durationMs; t += CYCLE_MS) {
      actions.push({ due: startAt + t, user, flag: 1 }, { due: startAt + t + activeMs, user, flag: 0 });
    }
  });
  return actions.sort((a, b) => a.due - b.due);
}

/** `count` users spread evenly over 0..of-1 (so over the groups too). */
const spread = (count, of, offset = 0) => Array.from({ length: Math.min(count, of) }, (_, j) => offset + Math.floor((j * of) / Math.min(count, of)));

/** Open loop: typists start and stop on their schedule whatever the answers do, as independent people would. */
async function typingRate({ rate, durationMs }) {
  const typists = spread(Math.max(1, Math.round((rate * CYCLE_MS) / 2_000)), layout.watchers);
  const log = newLog();
  const startAt = now() + 20;
  const pending = [];
  for (const { due, user, flag } of schedule(typists, durationMs, TYPING_MS, startAt)) {
    await until(due);
    logged(log, user, flag, now());
    const sent = setTyping(user, signalGroupOf(layout, user), flag === 1);
    pending.push(sent.then((r) => (r.code ? countError(log, r.code) : log.answered.push(r.doneAt - r.sentAt))));
  }
  await withTimeout(Promise.all(pending), 60_000, 'the last setTyping answers');
  // Stops flow as well as starts from activeMs on: the steady part.
  return logReply(log, 'phaseDone', startAt, startAt + durationMs, { activeUsers: typists.length, activeMs: TYPING_MS });
}

/**
 * Closed loop: every watcher is a typist that starts, stops as soon as the
 * start is answered, and starts again RESTART_AFTER_MS after the stop was
 * answered; a signal may go out while fewer than `concurrency` are
 * unanswered and fewer than `window` are unseen by the pacer.
 */
async function typingSaturate({ durationMs, window, concurrency }) {
  const log = newLog();
  const startedAt = now();
  const endAt = startedAt + durationMs;
  const seenAtStart = pacerSeen.typing;
  let inFlight = 0;
  let granted = 0;
  const waiting = [];
  // Counted when granted, not when issued: a granted typist issues in a later microtask.
  const mayGo = () => inFlight < concurrency && granted - (pacerSeen.typing - seenAtStart) < window;
  const grant = () => {
    while (waiting.length > 0 && mayGo()) {
      inFlight++;
      granted++;
      waiting.shift()();
    }
  };
  const permit = () =>
    new Promise((resolve) => {
      waiting.push(resolve);
      grant();
    });
  regrant = grant;
  const signal = async (user, flag) => {
    logged(log, user, flag, now());
    const r = await setTyping(user, signalGroupOf(layout, user), flag === 1);
    inFlight--;
    grant();
    if (r.code) countError(log, r.code);
    else log.answered.push(r.doneAt - r.sentAt);
  };
  const typist = async (user) => {
    while (now() < endAt) {
      await permit();
      if (now() >= endAt) {
        inFlight--;
        granted--;
        grant();
        break;
      }
      await signal(user, 1);
      // The stop goes whatever the clock says: no one is left typing into the next phase.
      await permit();
      await signal(user, 0);
      await sleep(RESTART_AFTER_MS);
    }
  };
  // Permits go first come, first served: typists queue in an order that takes each group in turn, so every group is busy from the start.
  const order = Array.from({ length: layout.watchers }, (_, j) => j).sort((a, b) => (a % SIGNAL_GROUP_SIZE) - (b % SIGNAL_GROUP_SIZE) || a - b);
  await Promise.all(order.map(typist));
  regrant = null;
  return logReply(log, 'phaseDone', startedAt, endAt);
}

/** One churner connects: logged when its socket is created, as a user opening the app. */
async function arrive(log, user) {
  logged(log, user, 1, now());
  const startedAt = now();
  try {
    const socket = await subscribe({ url: wsUrl, token: tokenOf(user), operations: [] });
    log.answered.push(now() - startedAt);
    return socket;
  } catch (error) {
    countError(log, error.message.slice(0, 120));
    return null;
  }
}

function leave(log, user, socket) {
  logged(log, user, 0, now());
  socket?.close(1000);
}

/** Open loop: churners come online for ONLINE_MS of every CYCLE_MS, on their schedule. */
async function presenceRate({ rate, durationMs }) {
  const churners = spread(Math.max(1, Math.round((rate * CYCLE_MS) / 2_000)), layout.churners, layout.firstChurner);
  const log = newLog();
  const startAt = now() + 20;
  const sockets = new Map();
  const leaving = [];
  for (const { due, user, flag } of schedule(churners, durationMs, ONLINE_MS, startAt)) {
    await until(due);
    if (flag === 1) sockets.set(user, arrive(log, user));
    else {
      // Not awaited here: a slow handshake must not hold up the rest of the schedule.
      leaving.push(sockets.get(user).then((socket) => leave(log, user, socket)));
      sockets.delete(user);
    }
  }
  await Promise.all(leaving);
  return logReply(log, 'phaseDone', startAt, startAt + durationMs, { activeUsers: churners.length, activeMs: ONLINE_MS });
}

/** Until the pacer saw the churner's change; a change that never comes (lost) stops the wait after 10 s. */
function pacerSees(user, flag) {
  return withTimeout(new Promise((resolve) => churnWaits.set(user, { flag, resolve })), 10_000, `the pacer to see churner ${user}`).catch(() => {
    churnWaits.delete(user);
    return 'stalled';
  });
}

/** Closed loop: every churner connects, waits until the pacer saw it online, closes, waits until the pacer saw it offline, again. */
async function presenceSaturate({ durationMs }) {
  const log = newLog();
  const startedAt = now();
  const endAt = startedAt + durationMs;
  let stalls = 0;
  const churner = async (user) => {
    while (now() < endAt) {
      const online = pacerSees(user, 1);
      const socket = await arrive(log, user);
      if ((await online) === 'stalled') stalls++;
      const offline = pacerSees(user, 0);
      leave(log, user, socket);
      if ((await offline) === 'stalled') stalls++;
    }
  };
  await Promise.all(spread(layout.churners, layout.churners, layout.firstChurner).map(churner));
  return logReply(log, 'phaseDone', startedAt, endAt, { stalls });
}

async function closeAll() {
  pacerSocket?.close(1000);
  probeSocket?.close(1000);
  http?.close();
  await sleep(200);
  return { type: 'closed' };
}

serve({ init, warm, connectPacer, probe, pacer: pacerState, typingRate, typingSaturate, presenceRate, presenceSaturate, close: closeAll }, { onExit: closeAll });
