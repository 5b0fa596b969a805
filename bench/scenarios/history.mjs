import { join } from 'node:path';
import { historyChatId, mintToken, userId } from '../ids.mjs';
import { settle, startMeter } from '../meter.mjs';
import { Worker } from '../processes.mjs';
import { summarize } from '../stats.mjs';

const cursor = (seq) => Buffer.from(`m:${seq}`, 'utf8').toString('base64url');

/**
 * Pages of 50 backwards from the newest message, from the middle and from the
 * oldest end of one long chat, one request at a time.
 */
export async function historyScenario({ benchDir, server, runId, secret, options, log }) {
  const size = options.history;
  if (size < 100) return { skipped: `--history=${size} is too small for three distinct depths` };
  const middle = Math.floor(size / 2);
  const pages = [
    { name: 'newest', before: null, expectLastSeq: size },
    { name: 'middle', before: cursor(middle + 1), expectLastSeq: middle },
    { name: 'oldest', before: cursor(51), expectLastSeq: 50 },
  ];
  const worker = new Worker(join(benchDir, 'clients/history-worker.mjs'), { name: 'history' });
  try {
    await settle(server);
    const meter = startMeter(server);
    const result = await worker.request(
      {
        cmd: 'run',
        httpUrl: server.httpUrl,
        token: mintToken(secret, userId(runId, 0)),
        chatId: historyChatId(runId),
        pages,
        requests: options.historyRequests,
        warmup: 100,
      },
      'done',
      300_000,
    );
    const figures = { messages: size, requestsPerDepth: options.historyRequests, pageSize: 50, busy: meter(), depths: {} };
    for (const { name } of pages) {
      const page = result.pages[name];
      const slowest = Array.from(page.latency).sort((a, b) => b - a).slice(0, 5).map((v) => Number(v.toFixed(2)));
      figures.depths[name] = { latencyMs: summarize(page.latency), slowestMs: slowest, wrongAnswers: page.wrong, ...(page.firstProblem ? { firstProblem: page.firstProblem } : {}) };
      log(`  ${name}: p50 ${figures.depths[name].latencyMs.p50} ms, p99 ${figures.depths[name].latencyMs.p99} ms${page.wrong ? `, ${page.wrong} wrong answers` : ''}`);
    }
    return figures;
  } finally {
    await worker.close();
  }
}
