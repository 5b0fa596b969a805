import { join } from 'node:path';
import { now, sleep } from '../clock.mjs';
import { fanoutId } from '../ids.mjs';
import { settle, startMeter } from '../meter.mjs';
import { Worker } from '../processes.mjs';
import { concat, round, summarize } from '../stats.mjs';

/** Subscribers per client process before the load is split over several. */
const SPLIT_ABOVE = 200;
/** The first second at saturation is ramp-up; deliveries/s counts the steady part. */
const RAMP_MS = 1_000;
const SLOT_MS = 100;

/**
 * One group chat, `count` subscribers (users 0..count-1) and one sender (user
 * `count`). First a fixed rate (the latency figures), then as fast as the
 * server takes it (deliveries per second). `target` is Parley or the ws
 * baseline: the clients are the same processes either way.
 */
export async function deliveryScenario({ benchDir, server, runId, secret, options, log }, { count, afterSeq, phases = ['rate', 'saturate'], saturationMs = options.saturationMs, tag }) {
  const chatId = fanoutId(runId, count);
  const processes = count > SPLIT_ABOVE ? options.subscriberProcesses : 1;
  const subscriberWorkers = Array.from({ length: processes }, (_, i) => new Worker(join(benchDir, 'clients/subscriber-worker.mjs'), { name: `subscribers-${i}` }));
  const sender = new Worker(join(benchDir, 'clients/sender-worker.mjs'), { name: 'sender' });
  const collectAll = () => Promise.all(subscriberWorkers.map((w) => w.request({ cmd: 'collect' }, 'collected', 60_000)));
  const pacerSeen = async () => (await sender.request({ cmd: 'pacer' }, 'pacer', 10_000)).seen;
  /** Waits until the pacer (subscribed last) has seen `expected` messages of a phase: the fan-out has drained. */
  const drained = async (phase, expected) => {
    const deadline = now() + 30_000;
    while (now() < deadline && (await pacerSeen())[phase] < expected) await sleep(50);
    await sleep(300);
  };
  try {
    const connected = await Promise.all(
      subscriberWorkers.map((worker, w) => {
        const targets = [];
        for (let i = w; i < count; i += processes) targets.push({ user: i, chatId });
        return worker.request({ cmd: 'connect', url: server.wsUrl, secret, runId, targets, afterSeq, concurrency: 50 }, 'connected', 180_000);
      }),
    );
    const live = connected.reduce((n, r) => n + r.live, 0);
    if (live < count) throw new Error(`only ${live} of ${count} subscriptions went live: ${JSON.stringify(connected.flatMap((r) => r.failures)).slice(0, 300)}`);
    await sender.request(
      { cmd: 'init', httpUrl: server.httpUrl, wsUrl: server.wsUrl, secret, runId, user: count, chatId, afterSeq, tag: `${runId}-${tag}-${count}` },
      'ready',
      60_000,
    );
    const figures = { subscribers: count, clientProcesses: processes + 1 };

    if (phases.includes('rate')) {
      await settle(server);
      const meter = startMeter(server);
      const sent = await sender.request({ cmd: 'rate', rate: options.rate, durationMs: options.latencyMs }, 'rateDone', options.latencyMs + 90_000);
      const busy = meter();
      await drained('r', sent.accepted);
      const collected = await collectAll();
      const fromSend = concat(collected.map((c) => c.rateLatency));
      const indexes = concat(collected.map((c) => c.rateIndex));
      // Accepted -> received: the send's own answer time subtracted per message.
      const answeredAfter = Float64Array.from(sent.acceptedAfter);
      const fromAccept = new Float64Array(fromSend.length);
      let n = 0;
      let unmatched = 0;
      for (let k = 0; k < fromSend.length; k++) {
        const i = indexes[k];
        const offset = Number.isInteger(i) && i >= 0 && i < answeredAfter.length ? answeredAfter[i] : NaN;
        if (Number.isNaN(offset)) unmatched++;
        else fromAccept[n++] = fromSend[k] - offset;
      }
      const expected = sent.accepted * count;
      figures.rate = {
        messagesPerSecond: options.rate,
        seconds: options.latencyMs / 1000,
        sent: sent.sent,
        accepted: sent.accepted,
        sendErrors: Object.fromEntries(sent.errors),
        deliveries: fromSend.length,
        // Deliveries whose send has no answer time (failed, or an index out of range): left out of accepted->received.
        unmatched,
        deliveredShare: expected ? round(fromSend.length / expected, 4) : null,
        acceptedToReceivedMs: summarize(fromAccept.subarray(0, n)),
        sentToReceivedMs: summarize(fromSend),
        sendAcceptedMs: summarize(Float64Array.from(sent.acceptedAfter).filter((v) => !Number.isNaN(v))),
        busy,
        ...problems(collected),
      };
      log(`  ${count} subscribers at ${options.rate} msg/s: sent->received p50 ${figures.rate.sentToReceivedMs.p50} ms, p99 ${figures.rate.sentToReceivedMs.p99} ms; accepted->received p99 ${figures.rate.acceptedToReceivedMs.p99} ms; delivered ${fromSend.length}/${expected}; busy ${JSON.stringify(busy)}`);
    }

    if (phases.includes('saturate')) {
      const window = Math.min(256, Math.max(8, Math.ceil(20_000 / count)));
      const concurrency = Math.min(window, 64);
      await settle(server);
      const markStart = process.hrtime.bigint();
      const meter = startMeter(server);
      const cpuFrom = server.cpuSeconds();
      const sat = await sender.request({ cmd: 'saturate', durationMs: saturationMs, window, concurrency }, 'saturateDone', saturationMs + 90_000);
      const busy = meter();
      const markEnd = process.hrtime.bigint();
      await drained('s', sat.accepted);
      // Everything the server spent on the phase's sends and their fan-out, the drain included (and the idle 300 ms after it).
      const serverCpuSeconds = server.cpuSeconds() - cpuFrom;
      const collected = await collectAll();
      const slots = new Map();
      for (const c of collected) for (const [slot, k] of c.saturateSlots) slots.set(slot, (slots.get(slot) ?? 0) + k);
      const from = Math.ceil((sat.startedAt + RAMP_MS) / SLOT_MS);
      const to = Math.floor(sat.endedAt / SLOT_MS);
      let steady = 0;
      for (const [slot, k] of slots) if (slot >= from && slot < to) steady += k;
      const steadySeconds = ((to - from) * SLOT_MS) / 1000;
      const deliveries = [...slots.values()].reduce((a, b) => a + b, 0);
      figures.saturate = {
        seconds: saturationMs / 1000,
        window,
        concurrency,
        accepted: sat.accepted,
        acceptedPerSecond: round(sat.accepted / ((sat.endedAt - sat.startedAt) / 1000), 0),
        sendErrors: Object.fromEntries(sat.errors),
        deliveries,
        deliveredShare: sat.accepted ? round(deliveries / (sat.accepted * count), 4) : null,
        deliveriesPerSecond: steadySeconds > 0 ? round(steady / steadySeconds, 0) : null,
        sentToReceivedMs: summarize(concat(collected.map((c) => c.saturateLatency))),
        sendAcceptedMs: summarize(sat.acceptLatency),
        serverCpuSeconds: round(serverCpuSeconds, 2),
        cpuMicrosPerDelivery: deliveries ? round((serverCpuSeconds * 1e6) / deliveries, 2) : null,
        busy,
        ...problems(collected),
        profileWindowMicros: [String(markStart / 1000n), String(markEnd / 1000n)],
      };
      log(`  ${count} subscribers at saturation: ${figures.saturate.deliveriesPerSecond} deliveries/s (${figures.saturate.acceptedPerSecond} sends/s), delivered ${deliveries}/${sat.accepted * count}, server CPU ${figures.saturate.cpuMicrosPerDelivery} µs per delivery; busy ${JSON.stringify(busy)}`);
    }
    return figures;
  } finally {
    await Promise.all(subscriberWorkers.map((w) => w.request({ cmd: 'close' }, 'closed', 30_000).catch(() => undefined)));
    await Promise.all([sender, ...subscriberWorkers].map((w) => w.close()));
  }
}

function problems(collected) {
  const sum = (key) => collected.reduce((n, c) => n + c[key], 0);
  const endReasons = {};
  for (const c of collected) for (const [reason, k] of c.endReasons) endReasons[reason] = (endReasons[reason] ?? 0) + k;
  return { gaps: sum('gaps'), duplicates: sum('duplicates'), unreadable: sum('unreadable'), subscriptionsEnded: sum('ended'), ...(Object.keys(endReasons).length ? { endReasons } : {}) };
}
