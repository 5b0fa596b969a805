import { now } from '../clock.mjs';
import { errorCode, graphqlClient, SEARCH_MESSAGES } from '../http-graphql.mjs';
import { serve } from './worker-runtime.mjs';

/*
 * One searcher, one request at a time (no overlap), so each latency is one
 * search's own cost. Every answer is checked: no error, and at least
 * `minHits` results with a marked snippet, or the figure would be meaningless.
 */
async function run({ httpUrl, token, kinds, requests, warmup }) {
  const http = graphqlClient(httpUrl, { maxSockets: 1 });
  const results = {};
  for (const { name, queries, minHits, requests: kindRequests } of kinds) {
    const count = Math.min(requests, kindRequests ?? requests);
    const latency = [];
    let wrong = 0;
    let firstProblem = null;
    let hits = 0;
    for (let i = 0; i < warmup + count; i++) {
      const query = queries[i % queries.length];
      const sentAt = now();
      const { body } = await http.post(SEARCH_MESSAGES, { query }, token);
      const elapsed = now() - sentAt;
      const edges = body.data?.searchMessages?.edges;
      const ok = !errorCode(body) && edges && edges.length >= minHits && edges.every((e) => e.snippet.includes('[['));
      if (!ok) {
        wrong++;
        firstProblem ??= `${query}: ${JSON.stringify(body).slice(0, 300)}`;
      }
      if (i >= warmup) {
        latency.push(elapsed);
        hits += edges?.length ?? 0;
      }
    }
    results[name] = { latency: Float64Array.from(latency), wrong, firstProblem, meanHits: hits / count };
  }
  http.close();
  return { type: 'done', kinds: results };
}

serve({ run });
