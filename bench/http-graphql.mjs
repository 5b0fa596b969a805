import http from 'node:http';

/**
 * POST /graphql over a keep-alive agent: one TCP connection per concurrent
 * client, reused for every request, as a browser or an SDK would.
 */
export function graphqlClient(url, { maxSockets = 256, timeoutMs = 30_000 } = {}) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets });

  /** Resolves with the parsed response; rejects on network errors and non-JSON answers. */
  function post(query, variables, token) {
    const payload = JSON.stringify({ query, variables });
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode, body: JSON.parse(text) });
            } catch {
              reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  return { post, close: () => agent.destroy() };
}

/** The first error code of a GraphQL answer, or null when it carries data. */
export const errorCode = (body) => (body.errors?.length ? body.errors[0].extensions?.code ?? body.errors[0].message : null);

export const SEND_MESSAGE = 'mutation($chatId: ID!, $body: String!, $clientId: String) { sendMessage(chatId: $chatId, body: $body, clientId: $clientId) { messageId acceptedAt } }';

export const HISTORY_PAGE = 'query($chatId: ID!, $before: String) { messages(chatId: $chatId, last: 50, before: $before) { edges { cursor node { seq } } pageInfo { startCursor } } }';

export const LAST_SEQ = 'query($chatId: ID!) { messages(chatId: $chatId, last: 1) { edges { node { seq } } } }';

export const SEARCH_MESSAGES = 'query($query: String!, $chatId: ID) { searchMessages(query: $query, chatId: $chatId, first: 20) { edges { cursor snippet node { seq } } } }';
