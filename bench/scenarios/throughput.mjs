import { join } from 'node:path';
import { GROUP_SIZE, sendChatId } from '../ids.mjs';
import { settle, startMeter } from '../meter.mjs';
import { Worker } from '../processes.mjs';
import { round, summarize } from '../stats.mjs';

export const WARMUP_MS = 2_000;

/**
 * N users sending over HTTP at once, spread over group chats of ten, each
 * client one request at a time. Accepted sends per second over the measured
 * window, and the latency of each accepted send.
 */
export async function throughputScenario({ benchDir, server, runId, secret, options, durationMs = options.durationMs, tag = 'tp', log }) {
  const clients = Array.from({ length: options.clients }, (_, j) => ({ user: j, chatId: sendChatId(runId, Math.floor(j / GROUP_SIZE)) }));
  const worker = new Worker(join(benchDir, 'clients/send-worker.mjs'), { name: 'throughput' });
  try {
    await settle(server);
    let meter;
    let cpuFrom;
    // The meter covers the measured window only: it starts when the warm-up ends.
    const warm = setTimeout(() => {
      meter = startMeter(server);
      cpuFrom = server.cpuSeconds();
    }, WARMUP_MS + 200);
    const result = await worker.request(
      { cmd: 'run', httpUrl: server.httpUrl, secret, runId, clients, warmupMs: WARMUP_MS, durationMs, tag: `${runId}-${tag}` },
      'done',
      durationMs + WARMUP_MS + 120_000,
    );
    clearTimeout(warm);
    const busy = meter?.() ?? null;
    const serverCpuSeconds = cpuFrom === undefined ? null : server.cpuSeconds() - cpuFrom;
    const figures = {
      clients: options.clients,
      chats: Math.ceil(options.clients / GROUP_SIZE),
      seconds: durationMs / 1000,
      accepted: result.accepted,
      acceptedPerSecond: round(result.accepted / (durationMs / 1000), 0),
      latencyMs: summarize(result.latency),
      errors: Object.fromEntries(result.errors),
      // The server's CPU (with WORKERS>1: primary and workers) over the measured window, per accepted send.
      cpuMicrosPerSend: serverCpuSeconds !== null && result.accepted ? round((serverCpuSeconds * 1e6) / result.accepted, 1) : null,
      busy,
    };
    log(`  ${figures.acceptedPerSecond} accepted sends/s, p50 ${figures.latencyMs.p50} ms, p99 ${figures.latencyMs.p99} ms, busy ${JSON.stringify(busy)}${result.errors.length ? `, errors ${JSON.stringify(figures.errors)}` : ''}`);
    return figures;
  } finally {
    await worker.close();
  }
}
