import { now } from '../clock.mjs';
import { mintToken, signalGroupId, signalGroupOf, signalLayout, signalUserId } from '../ids.mjs';
import { Samples } from '../stats.mjs';
import { subscribe } from './graphql-ws-socket.mjs';
import { CHAT_EVENTS, frameId, PRESENCE_CHANGED, presenceOf, signalIndex, typingOf } from './signal-frames.mjs';
import { serve } from './worker-runtime.mjs';

/*
 * Holds the connected users of the signals scenario: one socket each, with
 * the two subscriptions an open app has, chatEvents of their team group and
 * presenceChanged. Every TypingChanged about a typist and every
 * presenceChanged about a churner is timestamped the moment it is handed to
 * us, as (receive time, user index * 2 + flag); the orchestrator matches them
 * to the trigger's log of when each setTyping, connect or close was issued.
 * Both clocks are this machine's.
 */

let layout = null;
let index = null;
const sockets = [];
let measure = newMeasure();

function newMeasure() {
  return {
    typingAt: new Samples(1 << 14),
    typingKey: new Samples(1 << 14),
    presenceAt: new Samples(1 << 14),
    presenceKey: new Samples(1 << 14),
    // The same user's start (or ONLINE) twice in a row on one subscription: the event between was lost.
    repeats: 0,
    unreadable: 0,
    ended: 0,
    endReasons: new Map(),
  };
}

function track(state) {
  return (raw) => {
    const receivedAt = now();
    const id = frameId(raw);
    const signal = id === 'e' ? typingOf(raw) : id === 'p' ? presenceOf(raw) : null;
    if (!signal) {
      measure.unreadable++;
      return;
    }
    const who = index.get(signal.userId);
    if (who === undefined) return;
    const flag = id === 'e' ? (signal.typing ? 1 : 0) : signal.online ? 1 : 0;
    // The probe's signals only show the subscription is live (scenarios/signals.mjs).
    if (who === layout.probe) {
      if (flag === 1) state[id === 'e' ? 'typingLive' : 'presenceLive'] = true;
      return;
    }
    // Typists are watchers; churners are the ones coming and going. Other users' arrivals (watchers connecting) are not measured.
    if (id === 'e' ? who >= layout.watchers : who < layout.firstChurner) return;
    const last = id === 'e' ? state.lastTyping : state.lastPresence;
    if (last[who] === flag + 1) measure.repeats++;
    last[who] = flag + 1;
    if (id === 'e') {
      measure.typingAt.push(receivedAt);
      measure.typingKey.push(who * 2 + flag);
    } else {
      measure.presenceAt.push(receivedAt);
      measure.presenceKey.push(who * 2 + flag);
    }
  };
}

async function connect({ url, secret, runId, watchers, users, concurrency = 50 }) {
  layout = signalLayout(watchers);
  index = signalIndex(runId, layout);
  const startedAt = now();
  const failures = new Map();
  let next = 0;
  const runner = async () => {
    while (next < users.length) {
      const user = users[next++];
      const state = { typingLive: false, presenceLive: false, lastTyping: new Uint8Array(layout.users), lastPresence: new Uint8Array(layout.users) };
      try {
        const socket = await subscribe({
          url,
          token: mintToken(secret, signalUserId(runId, user)),
          operations: [
            { id: 'e', query: CHAT_EVENTS, variables: { chatId: signalGroupId(runId, signalGroupOf(layout, user)) } },
            { id: 'p', query: PRESENCE_CHANGED },
          ],
          onNext: track(state),
          onEnd: (reason) => {
            measure.ended++;
            const key = reason.slice(0, 120);
            measure.endReasons.set(key, (measure.endReasons.get(key) ?? 0) + 1);
          },
        });
        sockets.push({ socket, state });
      } catch (error) {
        failures.set(error.message, (failures.get(error.message) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, users.length) }, runner));
  return { type: 'connected', requested: users.length, acknowledged: sockets.length, failures: [...failures], ms: now() - startedAt };
}

/** How many sockets have seen the probe's typing and its arrival: their subscriptions are live. */
const liveness = () => ({
  type: 'liveness',
  sockets: sockets.length,
  typingLive: sockets.reduce((n, s) => n + (s.state.typingLive ? 1 : 0), 0),
  presenceLive: sockets.reduce((n, s) => n + (s.state.presenceLive ? 1 : 0), 0),
});

/** Events received since the last collect: the orchestrator waits for them to stop coming. */
const count = () => ({ type: 'count', typing: measure.typingAt.length, presence: measure.presenceAt.length });

function collect() {
  const m = measure;
  measure = newMeasure();
  return {
    type: 'collected',
    typingAt: m.typingAt.toArray(),
    typingKey: m.typingKey.toArray(),
    presenceAt: m.presenceAt.toArray(),
    presenceKey: m.presenceKey.toArray(),
    repeats: m.repeats,
    unreadable: m.unreadable,
    ended: m.ended,
    endReasons: [...m.endReasons],
  };
}

async function closeAll() {
  for (const { socket } of sockets.splice(0)) socket.close(1000);
  // Give close frames a moment to leave before the process may exit.
  await new Promise((r) => setTimeout(r, 200));
  return { type: 'closed' };
}

serve({ connect, liveness, count, collect, close: closeAll }, { onExit: closeAll });
