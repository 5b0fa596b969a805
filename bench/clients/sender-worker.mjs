import { now, sleep, withTimeout } from '../clock.mjs';
import { errorCode, graphqlClient, SEND_MESSAGE } from '../http-graphql.mjs';
import { mintToken, userId } from '../ids.mjs';
import { Samples } from '../stats.mjs';
import { messageOf, subscribe } from './graphql-ws-socket.mjs';
import { bodyFor, parseBody, PHASE } from './message-body.mjs';
import { serve } from './worker-runtime.mjs';

/*
 * The one sender of the delivery scenario. It also holds a subscription of its
 * own to the chat (the "pacer"): at saturation it keeps at most `window`
 * messages sent but not yet delivered back to it, so the server is kept busy
 * without an unbounded backlog piling up in its subscriber queues.
 */

let http;
let token;
let chatId;
let tag;
let pacerLive = false;
const pacerSeen = { [PHASE.rate]: 0, [PHASE.saturate]: 0 };
let wake = null;
const poke = () => {
  const w = wake;
  wake = null;
  w?.();
};

async function init(options) {
  ({ chatId, tag } = options);
  http = graphqlClient(options.httpUrl);
  token = mintToken(options.secret, userId(options.runId, options.user));
  await subscribe({
    url: options.wsUrl,
    token,
    variables: { chatId, afterSeq: options.afterSeq },
    onNext: (raw) => {
      const message = messageOf(raw);
      if (!pacerLive) {
        pacerLive = true;
        return;
      }
      const body = message && parseBody(message.body);
      if (body && body.phase in pacerSeen) pacerSeen[body.phase]++;
      poke();
    },
  });
  const deadline = now() + 30_000;
  while (!pacerLive && now() < deadline) await sleep(5);
  if (!pacerLive) throw new Error('the pacer subscription never went live');
  return { type: 'ready' };
}

function sendOne(phase, index) {
  const sentAt = now();
  return http
    .post(SEND_MESSAGE, { chatId, body: bodyFor(phase, index, sentAt), clientId: `${tag}-${phase}-${index}` }, token)
    .then(
      ({ body }) => ({ sentAt, doneAt: now(), code: errorCode(body) }),
      (error) => ({ sentAt, doneAt: now(), code: `NETWORK: ${error.message}` }),
    );
}

const countCode = (errors, code) => errors.set(code, (errors.get(code) ?? 0) + 1);

/** Open loop: a send every 1/rate s whatever the answers do, as independent users would. */
async function rate({ rate: perSecond, durationMs }) {
  const count = Math.max(1, Math.round((perSecond * durationMs) / 1000));
  const interval = 1000 / perSecond;
  const acceptedAfter = new Float64Array(count).fill(NaN);
  const errors = new Map();
  const pending = [];
  const startAt = now() + 20;
  for (let i = 0; i < count; i++) {
    const due = startAt + i * interval;
    const wait = due - now();
    if (wait > 1) await sleep(wait - 0.5);
    while (now() < due) await new Promise((r) => setImmediate(r));
    pending.push(
      sendOne(PHASE.rate, i).then((r) => {
        if (r.code) countCode(errors, r.code);
        else acceptedAfter[i] = r.doneAt - r.sentAt;
      }),
    );
  }
  await withTimeout(Promise.all(pending), 60_000, 'the last sends to be answered');
  const accepted = acceptedAfter.reduce((n, v) => n + (Number.isNaN(v) ? 0 : 1), 0);
  return { type: 'rateDone', sent: count, accepted, errors: [...errors], acceptedAfter, startedAt: startAt, endedAt: now() };
}

/** Closed loop: as fast as the server takes them, with at most `window` undelivered and `concurrency` unanswered. */
async function saturate({ durationMs, window, concurrency }) {
  const errors = new Map();
  const acceptLatency = new Samples(1 << 12);
  let issued = 0;
  let accepted = 0;
  let inFlight = 0;
  const startedAt = now();
  const endAt = startedAt + durationMs;
  const seenAtStart = pacerSeen[PHASE.saturate];
  // A regular tick as well, so the loop notices the end even if nothing else happens.
  const tick = setInterval(poke, 20);
  while (now() < endAt) {
    while (inFlight < concurrency && issued - (pacerSeen[PHASE.saturate] - seenAtStart) < window) {
      inFlight++;
      sendOne(PHASE.saturate, issued++).then((r) => {
        inFlight--;
        if (r.code) countCode(errors, r.code);
        else {
          accepted++;
          acceptLatency.push(r.doneAt - r.sentAt);
        }
        poke();
      });
    }
    // Woken by an answer, a delivery back to the pacer, or the end of the phase.
    await new Promise((r) => (wake = r));
  }
  clearInterval(tick);
  const endedAt = now();
  const drainBy = now() + 30_000;
  while (inFlight > 0 && now() < drainBy) await sleep(5);
  return { type: 'saturateDone', issued, accepted, errors: [...errors], acceptLatency: acceptLatency.toArray(), startedAt, endedAt };
}

/** How many of a phase's messages came back on the pacer subscription. */
const pacer = () => ({ type: 'pacer', seen: { ...pacerSeen } });

serve({ init, rate, saturate, pacer });
