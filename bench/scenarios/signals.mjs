import { join } from 'node:path';
import { now, sleep } from '../clock.mjs';
import { SIGNAL_GROUP_SIZE, signalGroupOf, signalLayout } from '../ids.mjs';
import { settle, startMeter } from '../meter.mjs';
import { Worker } from '../processes.mjs';
import { concat, round, Samples, summarize } from '../stats.mjs';

/**
 * PRESENCE_GRACE_MS of the server this scenario runs against (its own start,
 * so the other rows keep the default): a closed socket turns into OFFLINE
 * after 100 ms instead of 5 s, so churn is measured in seconds.
 */
export const SIGNALS_GRACE_MS = 100;
/** Deliveries are counted in 100 ms slots over the steady part of each phase. */
const SLOT_MS = 100;
/**
 * The first second at saturation is ramp-up: all typists (or churners) go at
 * once, and the requests that open new connections then wait several of the
 * server's long turns. Deliveries/s and latency count the
 * steady part after it.
 */
const RAMP_MS = 1_000;
/** Rounds of the probe before the scenario gives up on subscriptions that never went live. */
const PROBE_ROUNDS = 3;

/**
 * Typing and presence at `--signal-users` connected users (default 1,000):
 * each holds one socket with chatEvents of its team group (100 members) and
 * presenceChanged, as an open app does (ids.mjs, signalLayout, has the
 * layout). Four phases, each `--signals-duration` seconds:
 *
 *   typing, fixed rate   typists (watchers themselves) type for 1.5 s of every
 *                        4 s, --signal-rate setTyping calls a second in all
 *   typing, saturation   every watcher types as the 1/s throttle and a window
 *                        of signals unseen by the pacer allow
 *   presence, fixed rate churners (20 more members per group) are online 2 s
 *                        of every 4 s, --signal-rate connects and closes a second
 *   presence, saturation every churner connects, closes and connects again as
 *                        soon as the pacer has seen its previous change
 *
 * TypingChanged reaches the group's other 99 watchers; a churner's
 * presenceChanged the 100 watchers of its group. Latency runs from the
 * moment the trigger issued setTyping, created the socket or closed it, to
 * the moment a watcher process got the event; OFFLINE includes the grace.
 */
export async function signalsScenario({ benchDir, server, runId, secret, options, log }) {
  const layout = signalLayout(options.signalUsers);
  const processes = options.subscriberProcesses;
  const watchers = Array.from({ length: processes }, (_, i) => new Worker(join(benchDir, 'clients/signal-watcher-worker.mjs'), { name: `watchers-${i}` }));
  const trigger = new Worker(join(benchDir, 'clients/signal-worker.mjs'), { name: 'signals' });
  const collectAll = () => Promise.all(watchers.map((w) => w.request({ cmd: 'collect' }, 'collected', 60_000)));
  const pacer = () => trigger.request({ cmd: 'pacer' }, 'pacer', 10_000);
  try {
    await trigger.request({ cmd: 'init', httpUrl: server.httpUrl, wsUrl: server.wsUrl, secret, runId, watchers: layout.watchers }, 'ready', 60_000);
    await trigger.request({ cmd: 'warm' }, 'warmed', 120_000);
    const startedAt = now();
    const connectFrom = process.hrtime.bigint();
    const connected = await Promise.all(
      watchers.map((worker, w) => {
        const users = [];
        for (let i = w; i < layout.watchers; i += processes) users.push(i);
        return worker.request({ cmd: 'connect', url: server.wsUrl, secret, runId, watchers: layout.watchers, users, concurrency: 50 }, 'connected', 180_000);
      }),
    );
    const acknowledged = connected.reduce((n, r) => n + r.acknowledged, 0);
    if (acknowledged < layout.watchers) throw new Error(`only ${acknowledged} of ${layout.watchers} sockets were acknowledged: ${JSON.stringify(connected.flatMap((r) => r.failures)).slice(0, 300)}`);
    const connectedMs = now() - startedAt;
    const connectWindowMicros = [String(connectFrom / 1000n), String(process.hrtime.bigint() / 1000n)];
    await trigger.request({ cmd: 'connectPacer' }, 'pacerConnected', 60_000);

    // chatEvents and presenceChanged replay nothing, so a subscription shows it is live by receiving the probe's arrival and typing.
    let live;
    let probes = 0;
    for (let probe = 1; ; probe++) {
      probes = probe;
      await trigger.request({ cmd: 'probe', graceMs: SIGNALS_GRACE_MS }, 'probed', 60_000);
      const deadline = now() + 3_000;
      do {
        await sleep(100);
        live = await liveness(watchers, pacer, layout);
      } while (!live.all && now() < deadline);
      if (live.all) break;
      if (probe === PROBE_ROUNDS) throw new Error(`after ${probe} probes, only ${live.typing} chatEvents and ${live.presence} presenceChanged subscriptions of ${layout.watchers} were live (pacer: ${JSON.stringify(live.pacer)})`);
    }
    log(`  ${layout.watchers} users connected in ${(connectedMs / 1000).toFixed(1)} s, live in ${layout.groups} groups (chatEvents + presenceChanged each) after ${probes} probe(s), ${((now() - startedAt) / 1000).toFixed(1)} s in all; ${layout.churners} churners`);
    // What arrived while everyone connected (their own arrivals) is not measured.
    await collectAll();

    const run = (kind, mode) => signalPhase({ server, trigger, watchers, collectAll, layout, options, log }, kind, mode);
    return {
      connectSeconds: round(connectedMs / 1000, 1),
      connectWindowMicros,
      probes,
      watchers: layout.watchers,
      groups: layout.groups,
      groupSize: SIGNAL_GROUP_SIZE,
      churners: layout.churners,
      graceMs: SIGNALS_GRACE_MS,
      clientProcesses: processes + 1,
      typing: { rate: await run('typing', 'rate'), saturate: await run('typing', 'saturate') },
      presence: { rate: await run('presence', 'rate'), saturate: await run('presence', 'saturate') },
    };
  } finally {
    await Promise.all(watchers.map((w) => w.request({ cmd: 'close' }, 'closed', 30_000).catch(() => undefined)));
    await trigger.request({ cmd: 'close' }, 'closed', 30_000).catch(() => undefined);
    await Promise.all([trigger, ...watchers].map((w) => w.close()));
  }
}

async function liveness(watchers, pacer, layout) {
  const counts = await Promise.all(watchers.map((w) => w.request({ cmd: 'liveness' }, 'liveness', 10_000)));
  const typing = counts.reduce((n, c) => n + c.typingLive, 0);
  const presence = counts.reduce((n, c) => n + c.presenceLive, 0);
  const { live } = await pacer();
  const all = typing === layout.watchers && presence === layout.watchers && live.groups === layout.groups && live.presence;
  return { typing, presence, pacer: live, all };
}

/** What a phase's signals should deliver: a typist's to the other watchers of its group, a churner's to all of them. */
function expectedDeliveries(kind, done, layout) {
  let expected = 0;
  for (let i = 0; i < done.issued; i++) {
    const group = signalGroupOf(layout, done.users[i]);
    const members = Math.min(SIGNAL_GROUP_SIZE, layout.watchers - group * SIGNAL_GROUP_SIZE);
    expected += kind === 'typing' ? members - 1 : members;
  }
  return expected;
}

async function signalPhase({ server, trigger, watchers, collectAll, layout, options, log }, kind, mode) {
  const fanout = kind === 'typing' ? SIGNAL_GROUP_SIZE - 1 : SIGNAL_GROUP_SIZE;
  // As in the delivery scenario: about 20,000 deliveries on their way at most.
  const window = Math.min(256, Math.max(8, Math.ceil(20_000 / fanout)));
  const concurrency = Math.min(window, 64);
  // Other sessions on the machine may never calm down: wait for them briefly, and let the "other" column tell.
  await settle(server, { otherMaxMs: 2_000 });
  const markStart = process.hrtime.bigint();
  const meter = startMeter(server);
  const command = `${kind}${mode === 'rate' ? 'Rate' : 'Saturate'}`;
  const done = await trigger.request({ cmd: command, rate: options.signalRate, durationMs: options.signalsMs, window, concurrency }, 'phaseDone', options.signalsMs + 120_000);
  const busy = meter();
  const markEnd = process.hrtime.bigint();
  // Drained once every watcher has what it should; a signal the server dropped never comes, so stop waiting once nothing moves.
  const expected = expectedDeliveries(kind, done, layout);
  for (let received = -1, lastMoved = now(), deadline = now() + 30_000; now() < deadline && now() - lastMoved < 2_000; await sleep(50)) {
    const counts = await Promise.all(watchers.map((w) => w.request({ cmd: 'count' }, 'count', 10_000)));
    const current = counts.reduce((n, c) => n + c[kind], 0);
    if (current >= expected) break;
    if (current !== received) lastMoved = now();
    received = current;
  }
  const collected = await collectAll();
  const figures = phaseFigures(kind, mode, done, collected, layout, options, expected);
  figures.window = mode === 'saturate' && kind === 'typing' ? `${window} / ${concurrency}` : null;
  figures.busy = busy;
  figures.profileWindowMicros = [String(markStart / 1000n), String(markEnd / 1000n)];
  const latency = kind === 'typing' ? `issued->received p50 ${figures.latencyMs.p50} ms, p99 ${figures.latencyMs.p99} ms` : `connect->ONLINE p50 ${figures.onMs.p50} / p99 ${figures.onMs.p99} ms, close->OFFLINE p50 ${figures.offMs.p50} / p99 ${figures.offMs.p99} ms`;
  log(`  ${kind} ${mode === 'rate' ? `at ${options.signalRate}/s` : 'at saturation'}: ${figures.signalsPerSecond} ${kind === 'typing' ? 'setTyping' : 'changes'}/s, ${figures.deliveriesPerSecond} events delivered/s (${figures.deliveries}/${figures.expected}); ${latency}; busy ${JSON.stringify(busy)}`);
  return figures;
}

/** The latest of sorted `times` at or before t, or undefined. */
function latestAtOrBefore(times, t) {
  let lo = 0;
  let hi = times.length - 1;
  let found;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= t) {
      found = times[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Every receipt is matched to the latest action of the same user and flag
 * issued before it: each user alternates (a start, then its stop), and the
 * next action of the same kind comes a second or more later, far beyond any
 * latency that still means something.
 */
function phaseFigures(kind, mode, done, collected, layout, options, expected) {
  const at = concat(collected.map((c) => c[`${kind}At`]));
  const keys = concat(collected.map((c) => c[`${kind}Key`]));
  const issued = new Map();
  for (let i = 0; i < done.issued; i++) {
    const key = done.users[i] * 2 + done.flags[i];
    let times = issued.get(key);
    if (!times) issued.set(key, (times = []));
    times.push(done.at[i]);
  }
  const latency = [new Samples(1 << 14), new Samples(1 << 14)];
  const latencyFrom = mode === 'saturate' ? done.startedAt + RAMP_MS : -Infinity;
  let unmatched = 0;
  const slots = new Map();
  for (let r = 0; r < at.length; r++) {
    const times = issued.get(keys[r]);
    const from = times && latestAtOrBefore(times, at[r]);
    if (from === undefined) unmatched++;
    else if (from >= latencyFrom) latency[keys[r] % 2].push(at[r] - from);
    const slot = Math.floor(at[r] / SLOT_MS);
    slots.set(slot, (slots.get(slot) ?? 0) + 1);
  }
  // Steady part: after the first second of a saturation phase; in a fixed-rate phase, once stops flow as well as starts.
  const steadyFrom = done.startedAt + (mode === 'rate' ? done.activeMs : RAMP_MS);
  const from = Math.ceil(steadyFrom / SLOT_MS);
  const to = Math.floor(done.endedAt / SLOT_MS);
  let steady = 0;
  for (const [slot, k] of slots) if (slot >= from && slot < to) steady += k;
  const steadySeconds = ((to - from) * SLOT_MS) / 1000;
  const sum = (key) => collected.reduce((n, c) => n + c[key], 0);
  const endReasons = {};
  for (const c of collected) for (const [reason, k] of c.endReasons) endReasons[reason] = (endReasons[reason] ?? 0) + k;
  return {
    mode,
    seconds: options.signalsMs / 1000,
    offeredPerSecond: mode === 'rate' ? options.signalRate : null,
    activeUsers: done.activeUsers ?? (kind === 'typing' ? layout.watchers : layout.churners),
    issued: done.issued,
    signalsPerSecond: round(done.issued / (options.signalsMs / 1000), 0),
    sendErrors: Object.fromEntries(done.errors),
    ...(done.stalls ? { stalls: done.stalls } : {}),
    deliveries: at.length,
    expected,
    deliveredShare: expected ? round(at.length / expected, 4) : null,
    deliveriesPerSecond: steadySeconds > 0 ? round(steady / steadySeconds, 0) : null,
    // Typing: start and stop together; presence: ONLINE (from the socket's creation) and OFFLINE (from its close, grace included).
    latencyMs: summarize(concat([latency[0].toArray(), latency[1].toArray()])),
    onMs: summarize(latency[1].toArray()),
    offMs: summarize(latency[0].toArray()),
    // Typing: setTyping answered; presence: connection_ack received.
    answeredMs: summarize(done.answeredMs),
    unmatched,
    repeats: sum('repeats'),
    unreadable: sum('unreadable'),
    subscriptionsEnded: sum('ended'),
    ...(Object.keys(endReasons).length ? { endReasons } : {}),
  };
}
