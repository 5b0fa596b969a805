import { join } from 'node:path';
import { now, sleep } from '../clock.mjs';
import { GROUP_SIZE, roomId } from '../ids.mjs';
import { settle, startMeter } from '../meter.mjs';
import { Worker } from '../processes.mjs';
import { PRESENCE_GRACE_MS } from '../server-process.mjs';
import { round } from '../stats.mjs';

/** Sockets per client process: well inside the open-files limit. */
const PER_PROCESS = 2_500;

/**
 * Many idle users, each with one authenticated graphql-ws connection and one
 * subscription to a small room. Server memory is read from /proc before and
 * after; "connected" means the subscription is live (its replayed message
 * arrived), not merely that the socket opened.
 */
export async function connectionsScenario({ benchDir, server, runId, secret, options, log }) {
  const count = options.connections;
  const processes = Math.max(1, Math.ceil(count / PER_PROCESS));
  const workers = Array.from({ length: processes }, (_, i) => new Worker(join(benchDir, 'clients/subscriber-worker.mjs'), { name: `connections-${i}` }));
  try {
    await settle(server);
    await sleep(1_000); // let start-up garbage settle before the first reading
    const rssBeforeKiB = await server.settledRssKiB();
    log(`  connecting ${count} subscribed sockets from ${processes} process(es); server RSS ${(rssBeforeKiB / 1024).toFixed(1)} MiB`);
    // Two halves: the average per connection includes one-time costs (code, caches, heap growth);
    // the second half alone shows what one more connection costs.
    const connectHalf = async (half) => {
      const startedAt = now();
      const replies = await Promise.all(
        workers.map((worker, w) => {
          const targets = [];
          for (let i = w; i < count; i += processes) {
            if ((i < count / 2) === (half === 0)) targets.push({ user: i, chatId: roomId(runId, Math.floor(i / GROUP_SIZE)) });
          }
          return worker.request({ cmd: 'connect', url: server.wsUrl, secret, runId, targets, afterSeq: 0, concurrency: 100, timeoutMs: 240_000 }, 'connected', 300_000);
        }),
      );
      return { ms: now() - startedAt, replies };
    };
    const meter = startMeter(server);
    const first = await connectHalf(0);
    const busy = meter();
    await sleep(2_000);
    const rssHalfKiB = await server.settledRssKiB();
    const second = await connectHalf(1);
    const allLiveMs = first.ms + second.ms;
    const replies = [...first.replies, ...second.replies];
    const live = replies.reduce((n, r) => n + r.live, 0);
    const liveFirst = first.replies.reduce((n, r) => n + r.live, 0);
    await sleep(2_000);
    const rssAfterKiB = await server.settledRssKiB();
    const perConnectionKiB = live > 0 ? (rssAfterKiB - rssBeforeKiB) / live : null;
    const marginalKiB = live > liveFirst ? (rssAfterKiB - rssHalfKiB) / (live - liveFirst) : null;
    log(`  ${live}/${count} live in ${(allLiveMs / 1000).toFixed(1)} s; server RSS ${(rssAfterKiB / 1024).toFixed(1)} MiB: ${perConnectionKiB?.toFixed(1)} KiB per connection on average, ${marginalKiB?.toFixed(1)} KiB for each of the second half`);
    await Promise.all(workers.map((w) => w.request({ cmd: 'close' }, 'closed', 60_000)));
    const closedAt = now();
    await sleep(2_000);
    const rssAfterCloseKiB = await server.settledRssKiB();
    // Every user whose socket closed goes offline once the presence grace has passed, all of them at
    // once. That work is waited for, and shown, here: left alone it lands in the next scenario's window.
    await sleep(Math.max(0, closedAt + PRESENCE_GRACE_MS - now()));
    const offlineFrom = now();
    const offlineMeter = startMeter(server);
    await settle(server, { maxMs: 120_000, otherMaxMs: 0 });
    const goingOffline = { seconds: round((now() - offlineFrom) / 1000, 1), busy: offlineMeter() };
    log(`  after the grace, the server was busy ${goingOffline.seconds} s taking ${live} users offline; busy ${JSON.stringify(goingOffline.busy)}`);
    return {
      connections: count,
      clientProcesses: processes,
      live,
      failures: replies.flatMap((r) => r.failures),
      connectAllSeconds: round(allLiveMs / 1000, 2),
      acknowledgedAllSeconds: round((Math.max(...first.replies.map((r) => r.allAcknowledgedMs)) + Math.max(...second.replies.map((r) => r.allAcknowledgedMs))) / 1000, 2),
      connectionsPerSecond: round(live / (allLiveMs / 1000), 0),
      rssBeforeMiB: round(rssBeforeKiB / 1024, 1),
      rssHalfMiB: round(rssHalfKiB / 1024, 1),
      rssAfterMiB: round(rssAfterKiB / 1024, 1),
      rssAfterCloseMiB: round(rssAfterCloseKiB / 1024, 1),
      perConnectionKiB: round(perConnectionKiB, 1),
      marginalPerConnectionKiB: round(marginalKiB, 1),
      busyWhileConnectingFirstHalf: busy,
      // From the end of the presence grace after the close until the server was idle (at least the 0.5 s settle() takes to see it).
      goingOffline,
    };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
}
