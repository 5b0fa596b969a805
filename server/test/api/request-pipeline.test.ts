import { readFileSync } from 'node:fs';
import { buildSchema, getIntrospectionQuery, type GraphQLEnumType } from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer, type GraphQLResponse } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';
import { directChat, send, signup, type TestUser } from '../support/users.js';

/** The codes of the schema's ErrorCode enum: every code a client may see. */
const schemaCodes = (() => {
  const schema = buildSchema(readFileSync(new URL('../../../schema.graphql', import.meta.url), 'utf8'));
  return new Set((schema.getType('ErrorCode') as GraphQLEnumType | undefined)?.getValues().map((v) => v.name) ?? []);
})();

interface BadRequest {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  code: string;
  /** Part of the message, where the code alone does not say which limit refused it. */
  message?: RegExp;
}

const introspection = (depth: number) => {
  let inner = 'name';
  for (let i = 0; i < depth - 5; i++) inner = `ofType { ${inner} }`;
  return `{ __schema { types { fields { type { ${inner} } } } } }`;
};

const aliases = (count: number, field: string, prefix = 'a') => Array.from({ length: count }, (_, i) => `${prefix}${i}: ${field}`).join(' ');

/** Every request here is refused before anything runs, with the same code on both transports. */
function badRequests(chatId: string): BadRequest[] {
  const messagesPage = `messages(chatId: "${chatId}", last: 100) { edges { node { id body createdAt sender { id username } } } }`;
  return [
    { name: 'a parse error', query: '{ me { id }', code: 'GRAPHQL_PARSE_FAILED' },
    { name: 'an unknown field', query: '{ me { id nope } }', code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'an argument of the wrong type', query: '{ users(first: "ten") { id } }', code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'an unknown operationName', query: 'query A { me { id } }', operationName: 'B', code: 'OPERATION_RESOLUTION_FAILURE' },
    { name: 'several operations and no operationName', query: 'query A { me { id } } query B { me { username } }', code: 'OPERATION_RESOLUTION_FAILURE' },
    { name: 'a variable of the wrong type', query: 'query ($n: Int) { users(first: $n) { id } }', variables: { n: 'ten' }, code: 'BAD_USER_INPUT' },
    { name: 'a missing required variable', query: 'query ($id: ID!) { chat(id: $id) { id } }', variables: {}, code: 'BAD_USER_INPUT' },
    {
      name: 'a Date variable that is no calendar day',
      query: 'query ($c: ID!, $f: Date!, $t: Date!) { chatStats(chatId: $c, from: $f, to: $t) { day } }',
      variables: { c: chatId, f: '2026-02-30', t: '2026-03-01' },
      code: 'BAD_USER_INPUT',
    },
    { name: 'a query nested too deeply', query: introspection(17), code: 'BAD_USER_INPUT', message: /nested too deeply/ },
    {
      name: 'a query too costly',
      query: `{ ${aliases(4, 'chats(first: 100) { edges { node { members(first: 100) { id username displayName } } } }')} }`,
      code: 'BAD_USER_INPUT',
      message: /too costly/,
    },
    { name: 'too many aliases', query: `{ me { ${aliases(16, 'id')} } }`, code: 'BAD_USER_INPUT', message: /aliases/ },
    { name: 'too many root fields', query: `{ ${aliases(11, '__typename')} }`, code: 'BAD_USER_INPUT', message: /root fields/ },
    { name: 'too many tokens', query: `{ me { ${'id '.repeat(2_000)} } }`, code: 'GRAPHQL_PARSE_FAILED', message: /tokens/ },
    // The attacks: 1,000 and 1,500 aliases of a full page of history in one request (90 KB and 135 KB).
    { name: '1,000 aliases of messages(last: 100)', query: `{ ${aliases(1_000, messagesPage)} }`, code: 'GRAPHQL_PARSE_FAILED' },
    { name: '1,500 aliases of messages(last: 100)', query: `{ ${aliases(1_500, messagesPage)} }`, code: 'GRAPHQL_PARSE_FAILED' },
    {
      name: 'fragments that spread each other twice over (2^40 fields)',
      query: `{ chats(first: 1) { edges { node { ...F0 } } } } ${Array.from({ length: 40 }, (_, i) => `fragment F${i} on Chat { ...F${i + 1} ...F${i + 1} }`).join(' ')} fragment F40 on Chat { id }`,
      code: 'BAD_USER_INPUT',
      message: /too costly/,
    },
    {
      name: '16 aliases through fragments',
      query: `{ ...A ...B } fragment A on Query { ${aliases(8, messagesPage)} } fragment B on Query { ${aliases(8, messagesPage, 'b')} }`,
      code: 'BAD_USER_INPUT',
      message: /aliases/,
    },
  ];
}

/** Runs one operation as a POST, the way the SDK sends it. */
async function overHttp(server: TestServer, { query, variables, operationName }: BadRequest, token: string): Promise<GraphQLResponse> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables, operationName }),
  });
  return (await response.json()) as GraphQLResponse;
}

/** Runs one operation over graphql-ws and returns its errors (from an `error` message or a result). */
function overSocket(client: Client, request: BadRequest): Promise<GraphQLResponse> {
  return new Promise((resolve, reject) => {
    let settled = false;
    client.subscribe(
      { query: request.query, variables: request.variables, operationName: request.operationName },
      {
        next: (result) => {
          settled = true;
          resolve(result as GraphQLResponse);
        },
        error: (error) => {
          settled = true;
          if (Array.isArray(error)) resolve({ errors: error });
          else reject(error instanceof Error ? error : new Error(`socket failed: ${JSON.stringify(error)}`));
        },
        complete: () => {
          if (!settled) reject(new Error('completed without a result'));
        },
      },
    );
  });
}

// The pipeline sits above the storage ports: one engine is enough here.
describe('one request pipeline for HTTP and graphql-ws', () => {
  let server: TestServer;
  let ada: TestUser;
  let chatId: string;
  let socket: Client;

  beforeAll(async () => {
    // Frames as large as HTTP bodies, so the 90 KB attacks below reach the pipeline over graphql-ws too (the smaller default closes them with 1009: websocket-limits.test.ts).
    server = await TestServer.start(pgliteTarget, { MAX_WS_MESSAGE_BYTES: String(1024 * 1024) });
    const bob = await signup(server);
    ada = await signup(server);
    chatId = await directChat(server, ada, bob);
    await send(server, ada, chatId, 'hello');
    socket = server.wsClient(ada.token);
  });
  afterAll(async () => {
    await socket?.dispose();
    await server?.stop();
  });

  it('the schema lists every error code', () => {
    for (const code of ['BAD_USER_INPUT', 'UNAVAILABLE', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST', 'INTERNAL_SERVER_ERROR']) {
      expect(schemaCodes.has(code), code).toBe(true);
    }
  });

  it('refuses each bad request with the same code over HTTP and over graphql-ws, before running it', async () => {
    const requests = badRequests(chatId);
    const codes: Record<string, { http: unknown; ws: unknown }> = {};
    const problems: string[] = [];
    for (const request of requests) {
      const answers = { http: await overHttp(server, request, ada.token), ws: await overSocket(socket, request) };
      codes[request.name] = { http: answers.http.errors?.[0]?.extensions?.code, ws: answers.ws.errors?.[0]?.extensions?.code };
      for (const [transport, result] of Object.entries(answers)) {
        if (result.data != null) problems.push(`${request.name} over ${transport} ran`);
        for (const error of result.errors ?? []) {
          if (!schemaCodes.has(String(error.extensions?.code))) problems.push(`${request.name} over ${transport}: ${error.extensions?.code} is no ErrorCode`);
        }
        if (request.message && !request.message.test(result.errors?.[0]?.message ?? '')) {
          problems.push(`${request.name} over ${transport}: ${JSON.stringify(result.errors?.[0]?.message)} does not match ${request.message}`);
        }
      }
    }
    expect(codes).toEqual(Object.fromEntries(requests.map((r) => [r.name, { http: r.code, ws: r.code }])));
    expect(problems).toEqual([]);
  });

  it('runs what the limits allow: the standard introspection query, 10 root pages of 100 messages, 15 aliases', async () => {
    const standard = await server.gql(getIntrospectionQuery(), {}, ada.token);
    expect(standard.errors).toBeUndefined();
    expect(standard.data.__schema.queryType.name).toBe('Query');
    expect((await server.gql(introspection(16), {}, ada.token)).errors).toBeUndefined();
    const pages = await server.gql(`{ ${aliases(10, `messages(chatId: "${chatId}", last: 100) { edges { node { body } } }`)} }`, {}, ada.token);
    expect(pages.errors).toBeUndefined();
    expect(pages.data.a9.edges[0].node.body).toBe('hello');
    const nested = await server.gql(`{ me { ${aliases(15, 'id')} } }`, {}, ada.token);
    expect(nested.errors).toBeUndefined();
    const overSocketToo = await overSocket(socket, { name: 'introspection', query: getIntrospectionQuery(), code: '' });
    expect(overSocketToo.errors).toBeUndefined();
  });
});
