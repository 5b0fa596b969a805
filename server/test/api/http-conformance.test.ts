import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';
import { signup, uniqueName, type TestUser } from '../support/users.js';

/**
 * Audits of the graphql-over-HTTP spec (graphql-http's `serverAudits`) that
 * Parley does not pass, each with its reason. None today.
 */
const KNOWN_AUDIT_FAILURES: Record<string, string> = {};

const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json';

/** A response's JSON body, as a test reads it. */
const json = (response: Response): Promise<any> => response.json();

// HTTP handling sits above the storage ports: one engine is enough here.
describe('GraphQL over HTTP', () => {
  let server: TestServer;
  let ada: TestUser;

  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget);
    ada = await signup(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const get = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${server.url}?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${ada.token}`, ...headers } });
  const post = (body: unknown, accept: string, contentType = 'application/json') =>
    fetch(server.url, { method: 'POST', headers: { 'content-type': contentType, accept }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('passes the graphql-http server audits', async () => {
    const results = await auditServer({ url: server.url });
    const failures = Object.fromEntries(results.flatMap((r) => (r.status === 'ok' ? [] : [[`${r.id} ${r.name}`, r.reason]])));
    expect(results.length).toBeGreaterThanOrEqual(48);
    expect(Object.keys(failures)).toEqual(Object.keys(KNOWN_AUDIT_FAILURES));
  });

  it('runs a query sent as GET, the way urql and Apollo Client send them, and tells caches not to store it', async () => {
    const response = await get({ query: 'query Me($x: Int) { me { id } users(first: $x) { id } }', variables: JSON.stringify({ x: 1 }), operationName: 'Me' });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect((await json(response)).data.me.id).toBe(ada.id);
  });

  it('still refuses mutations over GET (405), whatever the headers', async () => {
    const response = await get({ query: `mutation { signup(username: "${uniqueName()}", password: "correct horse") { token } }` }, { 'apollo-require-preflight': 'true' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect((await json(response)).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('never runs a POST that is not JSON (what a cross-site form can send)', async () => {
    const username = uniqueName();
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await post({ query: `mutation { signup(username: "${username}", password: "correct horse") { token } }` }, 'application/json', contentType);
      expect(response.status, contentType).toBe(400);
      expect((await json(response)).errors[0].extensions.code).toBe('BAD_REQUEST');
    }
    const login = await server.gql(`mutation { login(username: "${username}", password: "correct horse") { token } }`);
    expect(login.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('answers refused operations 200 to a client that accepts only application/json, 400 with graphql-response+json', async () => {
    const cases = [
      { body: { query: '{ me { id }' }, code: 'GRAPHQL_PARSE_FAILED' },
      { body: { query: '{ nope }' }, code: 'GRAPHQL_VALIDATION_FAILED' },
      { body: { query: 'query ($n: Int!) { users(first: $n) { id } }', variables: { n: 'x' } }, code: 'BAD_USER_INPUT' },
      { body: { query: 'query A { me { id } }', operationName: 'B' }, code: 'OPERATION_RESOLUTION_FAILURE' },
    ];
    for (const { body, code } of cases) {
      const legacy = await post(body, 'application/json');
      expect([legacy.status, legacy.headers.get('content-type')], code).toEqual([200, 'application/json; charset=utf-8']);
      expect((await json(legacy)).errors[0].extensions.code).toBe(code);
      const modern = await post(body, GRAPHQL_RESPONSE_JSON);
      expect([modern.status, modern.headers.get('content-type')], code).toEqual([400, `${GRAPHQL_RESPONSE_JSON}; charset=utf-8`]);
      expect((await json(modern)).errors[0].extensions.code).toBe(code);
    }
    // A request that is not a GraphQL request at all stays 400.
    expect((await post('{"query":', 'application/json')).status).toBe(400);
  });

  it('refuses a subscription over HTTP with BAD_REQUEST, not an internal error', async () => {
    const query = 'subscription { chatUpdated { id } }';
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ada.token}` },
      body: JSON.stringify({ query }),
    });
    expect(response.status).toBe(400);
    const { errors } = await json(response);
    expect(errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(errors[0].message).toMatch(/WebSocket/);
    const viaGet = await get({ query });
    expect((await json(viaGet)).errors[0].extensions.code).toBe('BAD_REQUEST');
  });
});
