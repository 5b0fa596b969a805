import { join } from 'node:path';
import { now, sleep } from '../clock.mjs';
import { errorCode, graphqlClient, SEND_MESSAGE } from '../http-graphql.mjs';
import { crowdChatId, mintToken, userId } from '../ids.mjs';
import { settle, startMeter } from '../meter.mjs';
import { Worker } from '../processes.mjs';
import { concat, round, summarize } from '../stats.mjs';
import { bodyFor, PHASE } from '../clients/message-body.mjs';

/** Sockets per client process, each process with a source address of its own (127.0.0.2, .3, …). */
const PER_PROCESS = 12_500;
/** Loopback has ~28,000 ephemeral ports per source address (32768–60999): stay well inside. */
const sourceAddress = (i) => `127.0.0.${2 + i}`;
/** Open files a server process keeps for other things than client sockets (engines, logs, the listener). */
const FILES_BESIDES_SOCKETS = 2_000;

/**
 * The most sockets one server process can hold under the machine's open-files
 * limit. Where the bench may not raise that limit (a container without
 * CAP_SYS_RESOURCE), more connections need more processes: WORKERS.
 */
export const socketsPerProcess = (openFilesLimit) => Math.max(1_000, (openFilesLimit ?? 20_000) - FILES_BESIDES_SOCKETS);

/** Connecting 100,000 takes 5–10 minutes on a quiet bench machine, and several times that with other work on it. */
const CONNECT_TIMEOUT_MS = 3_600_000;

/** How long the connected crowd is watched doing nothing: two keep-alive intervals (12 s each), five live checks (2 s). */
const IDLE_MS = 24_000;

/** How long one message may take to reach every connection before the rest count as missing. */
const REACH_ALL_TIMEOUT_MS = 60_000;

/**
 * One chat with `--crowd` members, every one of them connected at once: one
 * authenticated graphql-ws socket each, subscribed to the chat's
 * `messageAdded` (with afterSeq 0, so its replayed message proves the
 * subscription live). Then server memory per idle subscribed connection, and
 * `--crowd-messages` messages sent one at a time, each waited for until it
 * reached every connection: issued → received over every delivery, and how
 * long each message took to reach the last connection.
 */
export async function crowdScenario({ benchDir, server, runId, secret, log, count, messages, workers: serverWorkers }) {
  const processes = Math.max(1, Math.ceil(count / PER_PROCESS));
  const workers = Array.from(
    { length: processes },
    (_, i) => new Worker(join(benchDir, 'clients/subscriber-worker.mjs'), { name: `crowd-${i}`, maxSeconds: 7200 }),
  );
  const chatId = crowdChatId(runId);
  const http = graphqlClient(server.httpUrl);
  try {
    await settle(server);
    await sleep(1_000);
    const rssBeforeKiB = await server.settledRssKiB();
    log(`  connecting ${count} sockets to one chat from ${processes} process(es) on ${processes} source address(es); server RSS ${(rssBeforeKiB / 1024).toFixed(1)} MiB`);
    const startedAt = now();
    const meter = startMeter(server);
    const replies = await Promise.all(
      workers.map((worker, w) => {
        const targets = [];
        for (let i = w; i < count; i += processes) targets.push({ user: i, chatId });
        return worker.request(
          { cmd: 'connect', url: server.wsUrl, secret, runId, targets, afterSeq: 0, concurrency: 50, timeoutMs: CONNECT_TIMEOUT_MS, localAddress: sourceAddress(w) },
          'connected',
          CONNECT_TIMEOUT_MS + 60_000,
        );
      }),
    );
    const connectSeconds = (now() - startedAt) / 1000;
    const busyConnecting = meter();
    const live = replies.reduce((n, r) => n + r.live, 0);
    // What holding them costs with nothing said: keep-alive pings and the live check, over a few of their intervals.
    const idleMeter = startMeter(server);
    await sleep(IDLE_MS);
    const busyIdle = idleMeter();
    const rssIdleKiB = await server.settledRssKiB();
    const perConnectionKiB = live > 0 ? (rssIdleKiB - rssBeforeKiB) / live : null;
    log(`  ${live}/${count} live in ${connectSeconds.toFixed(1)} s; server RSS ${(rssIdleKiB / 1024).toFixed(1)} MiB: ${perConnectionKiB?.toFixed(1)} KiB per connection`);

    // One message at a time, each waited for until every live connection has it (or the timeout).
    const token = mintToken(secret, userId(runId, count));
    const reachAllMs = [];
    const sendErrors = [];
    const fanoutMeter = startMeter(server);
    let expected = 0;
    for (let i = 0; i < messages; i++) {
      await settle(server, { maxMs: 10_000, otherMaxMs: 0 });
      const sentAt = now();
      const { body } = await http.post(SEND_MESSAGE, { chatId, body: bodyFor(PHASE.rate, i, sentAt), clientId: `${runId}-crowd-${i}` }, token);
      if (errorCode(body)) {
        sendErrors.push(errorCode(body));
        continue;
      }
      expected += live;
      let got = 0;
      while (now() - sentAt < REACH_ALL_TIMEOUT_MS) {
        const counts = await Promise.all(workers.map((w) => w.request({ cmd: 'received' }, 'received', 30_000)));
        got = counts.reduce((n, c) => n + c.received, 0);
        if (got >= expected) break;
        await sleep(20);
      }
      reachAllMs.push(got >= expected ? now() - sentAt : null);
      log(`  message ${i + 1}: ${got >= expected ? `reached all ${live} in ${(now() - sentAt).toFixed(0)} ms (polled every 20 ms)` : `only ${got - (expected - live)} of ${live} within ${REACH_ALL_TIMEOUT_MS / 1000} s`}`);
    }
    const busyFanningOut = fanoutMeter();
    const collected = await Promise.all(workers.map((w) => w.request({ cmd: 'collect' }, 'collected', 60_000)));
    const latency = summarize(concat(collected.map((c) => c.rateLatency)));
    const received = collected.reduce((n, c) => n + c.received, 0);
    log(`  issued → received over ${received} deliveries: p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms`);
    return {
      connections: count,
      serverWorkers,
      clientProcesses: processes,
      sourceAddresses: workers.map((_, w) => sourceAddress(w)),
      live,
      failures: replies.flatMap((r) => r.failures),
      connectSeconds: round(connectSeconds, 1),
      connectionsPerSecond: round(live / connectSeconds, 0),
      busyConnecting,
      busyIdle,
      idleSeconds: IDLE_MS / 1000,
      rssBeforeMiB: round(rssBeforeKiB / 1024, 1),
      rssIdleMiB: round(rssIdleKiB / 1024, 1),
      perConnectionKiB: round(perConnectionKiB, 1),
      messages: messages,
      sendErrors,
      expectedDeliveries: expected,
      received,
      gaps: collected.reduce((n, c) => n + c.gaps, 0),
      duplicates: collected.reduce((n, c) => n + c.duplicates, 0),
      ended: collected.reduce((n, c) => n + c.ended, 0),
      sentToReceivedMs: latency,
      reachAllMs: reachAllMs.map((v) => round(v, 0)),
      busyFanningOut,
    };
  } finally {
    http.close();
    await Promise.all(workers.map((w) => w.request({ cmd: 'close' }, 'closed', 120_000).catch(() => {})));
    await Promise.all(workers.map((w) => w.close()));
  }
}
