import { now } from '../clock.mjs';
import { errorCode, graphqlClient, SEND_MESSAGE } from '../http-graphql.mjs';
import { mintToken, userId } from '../ids.mjs';
import { Samples } from '../stats.mjs';
import { bodyFor, PHASE } from './message-body.mjs';
import { serve } from './worker-runtime.mjs';

/*
 * The send-throughput load: each client is one user sending to one of its
 * chats, one request at a time over its own keep-alive connection, as fast as
 * the answers come. Sends answered within the measured window (after a
 * warm-up) count; their latency is request issued -> answer read.
 */
async function run({ httpUrl, secret, runId, clients, warmupMs, durationMs, tag }) {
  const http = graphqlClient(httpUrl, { maxSockets: clients.length });
  const latency = new Samples(1 << 16);
  const errors = new Map();
  let accepted = 0;
  let outsideWindow = 0;
  const startedAt = now();
  const from = startedAt + warmupMs;
  const to = from + durationMs;
  const client = async ({ user, chatId }) => {
    const token = mintToken(secret, userId(runId, user));
    for (let k = 0; now() < to; k++) {
      const sentAt = now();
      let code;
      try {
        const { body } = await http.post(SEND_MESSAGE, { chatId, body: bodyFor(PHASE.throughput, k, sentAt), clientId: `${tag}-${user}-${k}` }, token);
        code = errorCode(body);
      } catch (error) {
        code = `NETWORK: ${error.message}`;
      }
      const doneAt = now();
      if (sentAt < from || doneAt > to) {
        outsideWindow++;
        continue;
      }
      if (code) errors.set(code, (errors.get(code) ?? 0) + 1);
      else {
        accepted++;
        latency.push(doneAt - sentAt);
      }
    }
  };
  await Promise.all(clients.map(client));
  http.close();
  return { type: 'done', accepted, errors: [...errors], latency: latency.toArray(), measuredMs: durationMs, outsideWindow };
}

serve({ run });
