import { join } from 'node:path';
import { mintToken, userId } from '../ids.mjs';
import { settle, startMeter } from '../meter.mjs';
import { Worker } from '../processes.mjs';
import { SEARCH_VOCABULARY } from '../seed.mjs';
import { summarize } from '../stats.mjs';

/** n queries from `pick(i)`, the same every run. */
const queriesOf = (n, pick) => Array.from({ length: n }, (_, i) => pick(i));
/** A word of the given rank in the vocabulary (1 is the commonest). */
const word = (rank) => `w${Math.min(SEARCH_VOCABULARY, Math.max(1, Math.round(rank)))}`;
/** Ranks spread evenly (on a log scale) between `from` and `to`. */
const rankAt = (i, n, from, to) => from * (to / from) ** ((i % n) / n);

/**
 * Searches over the history chat's messages (seed.mjs: eight words each of a
 * Zipf-like vocabulary), by the viewer who is a member of it, one request at
 * a time. The kinds are what people type: a distinctive word, a word of
 * everyday frequency, two words, a word being typed (a prefix), and, apart,
 * the single commonest word of the corpus, which makes the engine rank a
 * large share of every message (the worst case, not the target).
 */
export async function searchScenario({ benchDir, server, runId, secret, options, log }) {
  const size = options.history;
  if (size < 100_000) return { skipped: `--history=${size}: search is measured over at least 100,000 messages` };
  const n = 40;
  const kinds = [
    { name: 'rare word', queries: queriesOf(n, (i) => `${word(rankAt(i, n, 3000, 12000))} `), minHits: 1 },
    { name: 'everyday word', queries: queriesOf(n, (i) => `${word(rankAt(i, n, 100, 1000))} `), minHits: 20 },
    { name: 'two words', queries: queriesOf(n, (i) => `${word(rankAt(i, n, 20, 200))} ${word(rankAt(i + 7, n, 20, 200))} `), minHits: 1 },
    // w123 as typed: w123, w1230..w1239 and w12300.. complete it.
    { name: 'prefix', queries: queriesOf(n, (i) => word(rankAt(i, n, 100, 999))), minHits: 20 },
    { name: 'commonest word (worst case)', queries: [`${word(1)} `], minHits: 20, requests: 50 },
  ];
  const worker = new Worker(join(benchDir, 'clients/search-worker.mjs'), { name: 'search' });
  try {
    await settle(server);
    const meter = startMeter(server);
    const result = await worker.request(
      { cmd: 'run', httpUrl: server.httpUrl, token: mintToken(secret, userId(runId, 0)), kinds, requests: options.searchRequests, warmup: 20 },
      'done',
      600_000,
    );
    const figures = { messages: size, requestsPerKind: options.searchRequests, pageSize: 20, busy: meter(), kinds: {} };
    for (const { name } of kinds) {
      const kind = result.kinds[name];
      figures.kinds[name] = {
        latencyMs: summarize(kind.latency),
        meanHits: Number(kind.meanHits.toFixed(1)),
        wrongAnswers: kind.wrong,
        ...(kind.firstProblem ? { firstProblem: kind.firstProblem } : {}),
      };
      log(`  ${name}: p50 ${figures.kinds[name].latencyMs.p50} ms, p99 ${figures.kinds[name].latencyMs.p99} ms${kind.wrong ? `, ${kind.wrong} wrong answers` : ''}`);
    }
    return figures;
  } finally {
    await worker.close();
  }
}
