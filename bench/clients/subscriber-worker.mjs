import { now } from '../clock.mjs';
import { mintToken, userId } from '../ids.mjs';
import { Samples } from '../stats.mjs';
import { messageOf, subscribe } from './graphql-ws-socket.mjs';
import { parseBody, PHASE } from './message-body.mjs';
import { serve } from './worker-runtime.mjs';

/*
 * Holds many subscribed sockets (one user each) and timestamps every delivery
 * the moment it is handed to us. Latency = receive time - the send time the
 * sender wrote into the body; both clocks are the same machine's.
 */

/** Deliveries at saturation are counted in 100 ms slots; the orchestrator sums the steady window. */
const SLOT_MS = 100;

const sockets = [];
let measure = newMeasure();
let live = 0;
let lastLiveAt = 0;
/** Subscriptions that ended before their first message: never live, not waited for. */
let endedBeforeLive = 0;

function newMeasure() {
  return {
    rateLatency: new Samples(1 << 14),
    rateIndex: new Samples(1 << 14),
    saturateLatency: new Samples(1 << 14),
    saturateSlots: new Map(),
    received: 0,
    unreadable: 0,
    gaps: 0,
    duplicates: 0,
    ended: 0,
    endReasons: new Map(),
  };
}

function track(state) {
  return (raw) => {
    const receivedAt = now();
    const message = messageOf(raw);
    if (!message) {
      measure.unreadable++;
      return;
    }
    // Per socket, seqs must arrive 1 by 1: anything else is a gap or a repeat.
    if (state.lastSeq !== null) {
      if (message.seq <= state.lastSeq) measure.duplicates++;
      else if (message.seq > state.lastSeq + 1) measure.gaps++;
    }
    state.lastSeq = message.seq;
    if (!state.live) {
      // The first frame is the replayed last message (afterSeq = lastSeq - 1): the subscription is live.
      state.live = true;
      live++;
      lastLiveAt = receivedAt;
      return;
    }
    measure.received++;
    const body = parseBody(message.body);
    if (!body) return;
    if (body.phase === PHASE.rate) {
      measure.rateLatency.push(receivedAt - body.sentAt);
      measure.rateIndex.push(body.index);
    } else if (body.phase === PHASE.saturate) {
      measure.saturateLatency.push(receivedAt - body.sentAt);
      const slot = Math.floor(receivedAt / SLOT_MS);
      measure.saturateSlots.set(slot, (measure.saturateSlots.get(slot) ?? 0) + 1);
    }
  };
}

async function connect({ url, secret, runId, targets, afterSeq, concurrency = 100, timeoutMs = 120_000, localAddress }) {
  const startedAt = now();
  // A worker may be asked to connect more than once: each reply counts this call's sockets only.
  const liveBefore = live;
  const socketsBefore = sockets.length;
  const failures = new Map();
  let lastAckAt = startedAt;
  let next = 0;
  const runner = async () => {
    while (next < targets.length) {
      const { user, chatId } = targets[next++];
      const state = { live: false, lastSeq: null };
      try {
        const socket = await subscribe({
          url,
          token: mintToken(secret, userId(runId, user)),
          variables: { chatId, afterSeq },
          localAddress,
          onNext: track(state),
          onEnd: (reason) => {
            // Refused before it went live (an UNAVAILABLE under load): a failure, not a socket to wait for.
            if (!state.live) {
              endedBeforeLive++;
              failures.set(reason.slice(0, 120), (failures.get(reason.slice(0, 120)) ?? 0) + 1);
              return;
            }
            measure.ended++;
            const key = reason.slice(0, 120);
            measure.endReasons.set(key, (measure.endReasons.get(key) ?? 0) + 1);
          },
        });
        lastAckAt = now();
        sockets.push(socket);
      } catch (error) {
        failures.set(error.message, (failures.get(error.message) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, runner));
  // Wait for every acknowledged socket to show its subscription is live (its replayed message).
  const deadline = startedAt + timeoutMs;
  while (live + endedBeforeLive < sockets.length && now() < deadline) await new Promise((r) => setTimeout(r, 5));
  return {
    type: 'connected',
    requested: targets.length,
    acknowledged: sockets.length - socketsBefore,
    live: live - liveBefore,
    failures: [...failures],
    allAcknowledgedMs: lastAckAt - startedAt,
    allLiveMs: live > liveBefore ? lastLiveAt - startedAt : null,
  };
}

function collect() {
  const m = measure;
  measure = newMeasure();
  return {
    type: 'collected',
    rateLatency: m.rateLatency.toArray(),
    rateIndex: m.rateIndex.toArray(),
    saturateLatency: m.saturateLatency.toArray(),
    saturateSlots: [...m.saturateSlots],
    received: m.received,
    unreadable: m.unreadable,
    gaps: m.gaps,
    duplicates: m.duplicates,
    ended: m.ended,
    endReasons: [...m.endReasons],
  };
}

/** How many messages arrived since the last collect, without collecting: for waiting until a message reached everyone. */
const received = () => ({ type: 'received', received: measure.received, ended: measure.ended });

async function closeAll() {
  for (const socket of sockets.splice(0)) socket.close(1000);
  live = 0;
  endedBeforeLive = 0;
  // Give close frames a moment to leave before the process may exit.
  await new Promise((r) => setTimeout(r, 200));
  return { type: 'closed' };
}

serve({ connect, collect, received, close: closeAll }, { onExit: closeAll });
