import { now } from '../clock.mjs';
import { errorCode, graphqlClient, HISTORY_PAGE } from '../http-graphql.mjs';
import { serve } from './worker-runtime.mjs';

/*
 * One reader paging a long chat: requests one after another (no overlap), so
 * each latency is one page's own cost. Every answer is checked: 50 edges
 * ending right below the cursor, or the figure would be meaningless.
 */
async function run({ httpUrl, token, chatId, pages, requests, warmup }) {
  const http = graphqlClient(httpUrl, { maxSockets: 1 });
  const results = {};
  for (const { name, before, expectLastSeq } of pages) {
    const latency = [];
    let wrong = 0;
    let firstProblem = null;
    for (let i = 0; i < warmup + requests; i++) {
      const sentAt = now();
      const { body } = await http.post(HISTORY_PAGE, { chatId, before }, token);
      const elapsed = now() - sentAt;
      const edges = body.data?.messages?.edges;
      const ok = !errorCode(body) && edges?.length === 50 && edges[49].node.seq === expectLastSeq && edges[0].node.seq === expectLastSeq - 49;
      if (!ok) {
        wrong++;
        firstProblem ??= JSON.stringify(body).slice(0, 300);
      }
      if (i >= warmup) latency.push(elapsed);
    }
    results[name] = { latency: Float64Array.from(latency), wrong, firstProblem };
  }
  http.close();
  return { type: 'done', pages: results };
}

serve({ run });
