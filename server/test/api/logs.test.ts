import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { inLogScope } from '../../src/observability/log.js';
import { recordingLogger, type LogLine } from '../support/log-lines.js';
import { serverBehindProxy, type ProxiedPostgres } from '../support/proxied-postgres.js';
import { codeOf, TestServer } from '../support/server.js';
import { pgliteTarget, postgresTarget, relationalTargets } from '../support/targets.js';
import { until, untilFound } from '../support/until.js';
import { directChat, send, signup, type TestUser } from '../support/users.js';

/*
 * What an operator's collector receives: Parley's real pino logger, its JSON
 * lines captured instead of written to stdout, from a real server on real
 * HTTP and WebSocket connections.
 */

const PASSWORD = 'correct horse battery';
const BODY = 'a body that must never reach a log line';

const requests = (lines: LogLine[]) => lines.filter((l) => l.msg === 'request');

describe('access log', () => {
  const log = recordingLogger('debug');
  let server: TestServer;
  let ada: TestUser;
  let bob: TestUser;
  let chatId: string;

  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget, { CONNECTION_INIT_WAIT: '1s', CORS_ORIGINS: 'https://chat.example.com', MAX_WS_MESSAGE_BYTES: '4096' }, log.logger);
    [ada, bob] = [await signup(server), await signup(server)];
    chatId = await directChat(server, ada, bob);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('writes one line per request with its fields, echoes the request id, and never a secret or a body', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ada.token}`, 'x-request-id': 'trace-42' },
      body: JSON.stringify({ query: 'mutation Send($c: ID!, $b: String!) { sendMessage(chatId: $c, body: $b) { messageId } }', variables: { c: chatId, b: BODY } }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('trace-42');
    const line = await untilFound(() => requests(log.lines).find((l) => l.reqId === 'trace-42'));
    expect(line).toMatchObject({ level: 'info', method: 'POST', path: '/graphql', status: 200, operation: 'Send', userId: ada.id });
    expect(line.durationMs).toEqual(expect.any(Number));
    expect(line.ip).toEqual(expect.stringContaining('127.0.0.1'));
    expect(typeof line.time).toBe('string');
    expect(requests(log.lines).filter((l) => l.reqId === 'trace-42')).toHaveLength(1);

    // Signing up and logging in carry a password; a GET carries the document and variables in its query string.
    await signup(server);
    const login = await server.gql('mutation { login(username: "nobody_here", password: "correct horse battery") { token } }');
    expect(codeOf(login)).toBeDefined();
    const search = new URLSearchParams({ query: 'query Hist($c: ID!) { messages(chatId: $c, first: 1) { edges { node { body } } } }', variables: JSON.stringify({ c: chatId, b: BODY }) });
    const get = await fetch(`${server.url}?${search}`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(get.status).toBe(200);
    const getLine = await untilFound(() => requests(log.lines).find((l) => l.method === 'GET' && l.operation === 'Hist'));
    expect(getLine).toMatchObject({ path: '/graphql', userId: bob.id });

    const text = log.text();
    for (const secret of [PASSWORD, ada.token, bob.token, BODY, 'Bearer ']) expect(text).not.toContain(secret);
  });

  it('makes up an id for a request without one, or with one that could forge a line or a header', async () => {
    const plain = await fetch(server.url.replace(/\/graphql$/, '/no-such-page'));
    const made = plain.headers.get('x-request-id');
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    const forged = await fetch(server.url.replace(/\/graphql$/, '/no-such-page'), { headers: { 'x-request-id': `x${'y'.repeat(200)}` } });
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const line = await untilFound(() => requests(log.lines).find((l) => l.reqId === made));
    expect(line).toMatchObject({ method: 'GET', path: '/no-such-page', status: 404 });
    expect(line.userId).toBeUndefined();
  });

  it('logs probes at debug, so an orchestrator polling them does not fill the info log', async () => {
    const probe = await fetch(server.url.replace(/\/graphql$/, '/healthz'));
    const id = probe.headers.get('x-request-id');
    expect(await untilFound(() => requests(log.lines).find((l) => l.reqId === id))).toMatchObject({ level: 'debug', path: '/healthz', status: 200 });
  });

  it('logs a socket connecting, authenticating, its subscriptions and its close with the code, all under one request id', async () => {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws', { headers: { 'x-request-id': 'socket-7' } });
    const received: { type: string }[] = [];
    socket.on('message', (data) => received.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ada.token}` } }));
    await until(() => received.some((m) => m.type === 'connection_ack'));
    socket.send(
      JSON.stringify({ id: 's1', type: 'subscribe', payload: { query: 'subscription Live($c: ID!) { messageAdded(chatId: $c) { body } }', variables: { c: chatId } } }),
    );
    await until(() => log.lines.some((l) => l.msg === 'subscription opened' && l.reqId === 'socket-7'));
    await send(server, bob, chatId, BODY);
    await until(() => received.some((m) => m.type === 'next'));
    socket.send(JSON.stringify({ id: 's1', type: 'complete' }));
    await until(() => log.lines.some((l) => l.msg === 'subscription ended' && l.reqId === 'socket-7'));
    socket.close(1000, 'bye');

    const closed = await untilFound(() => log.lines.find((l) => l.msg === 'websocket closed' && l.reqId === 'socket-7'));
    expect(closed).toMatchObject({ level: 'info', code: 1000, reason: 'bye', userId: ada.id });
    expect(closed.durationMs).toEqual(expect.any(Number));
    const socketLines = log.lines.filter((l) => l.reqId === 'socket-7');
    expect(socketLines.map((l) => l.msg)).toEqual(['websocket connected', 'websocket authenticated', 'subscription opened', 'subscription ended', 'websocket closed']);
    expect(socketLines[1]).toMatchObject({ userId: ada.id, bot: false });
    expect(socketLines[2]).toMatchObject({ level: 'debug', id: 's1', operation: 'Live' });
    expect(log.text()).not.toContain(ada.token);
    expect(log.text()).not.toContain(BODY);
  });

  it('gives each line its own fields: those of one line never reach the next line of the same request', async () => {
    const scoped = recordingLogger('debug');
    inLogScope({ reqId: 'scope-1' }, () => {
      scoped.logger.warn({ err: new Error('engine down'), code: 'E1' }, 'first');
      scoped.logger.info({ status: 200 }, 'second');
    });
    expect(scoped.lines[0]).toMatchObject({ reqId: 'scope-1', code: 'E1', msg: 'first' });
    expect(scoped.lines[1]).toMatchObject({ reqId: 'scope-1', status: 200, msg: 'second' });
    expect(scoped.lines[1]).not.toHaveProperty('code');
    expect(scoped.lines[1]).not.toHaveProperty('err');
  });

  it('logs what any client can cause at will below error: a wrong persisted-query hash, a body cut off mid-way', async () => {
    const apq = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'apq-1' },
      body: JSON.stringify({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } }),
    });
    expect(((await apq.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('PERSISTED_QUERY_NOT_SUPPORTED');

    const cut = connect(server.parley.port, '127.0.0.1');
    await new Promise((resolve) => cut.once('connect', resolve));
    cut.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nx-request-id: cut-1\r\n\r\n{"query":');
    await new Promise((resolve) => setTimeout(resolve, 200));
    cut.destroy();
    const line = await untilFound(() => requests(log.lines).find((l) => l.reqId === 'cut-1'));
    expect(line).toMatchObject({ aborted: true, method: 'POST', path: '/graphql' });
    expect(line.ip).toEqual(expect.stringContaining('127.0.0.1'));
    expect(line).not.toHaveProperty('status');
    await untilFound(() => requests(log.lines).find((l) => l.reqId === 'apq-1'));
    expect(log.lines.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
  });

  it('logs the path of a request target in absolute form without its host or credentials', async () => {
    const raw = connect(server.parley.port, '127.0.0.1');
    await new Promise((resolve) => raw.once('connect', resolve));
    raw.write('GET http://user:SECRETPASS@elsewhere.example/some/page?q=1#frag HTTP/1.1\r\nHost: x\r\nx-request-id: absolute-1\r\nConnection: close\r\n\r\n');
    const line = await untilFound(() => requests(log.lines).find((l) => l.reqId === 'absolute-1'));
    raw.destroy();
    expect(line.path).toBe('/some/page');
    expect(log.text()).not.toContain('SECRETPASS');
  });

  it('logs the code the server closed a socket with, not what the peer sent back, and cuts a peer that does not answer', async () => {
    const oversized = new WebSocket(server.wsUrl, 'graphql-transport-ws', { headers: { 'x-request-id': 'socket-big' } });
    await new Promise((resolve) => oversized.once('open', resolve));
    oversized.on('error', () => undefined);
    oversized.send('x'.repeat(10_000));
    const big = await untilFound(() => log.lines.find((l) => l.msg === 'websocket closed' && l.reqId === 'socket-big'));
    expect(big).toMatchObject({ code: 1009, by: 'server' });

    // Never sends connection_init and never answers the 4408 close: a raw TCP peer that only completes the upgrade.
    const silent = connect(server.parley.port, '127.0.0.1');
    await new Promise((resolve) => silent.once('connect', resolve));
    silent.write(
      'GET /graphql HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\nx-request-id: socket-mute\r\n\r\n',
    );
    const opened = Date.now();
    const mute = await untilFound(() => log.lines.find((l) => l.msg === 'websocket closed' && l.reqId === 'socket-mute'), 15_000);
    silent.destroy();
    expect(mute).toMatchObject({ code: 4408, by: 'server' });
    // The 1 s init wait, then at most the 5 s close timeout: not ws's 30 s.
    expect(Date.now() - opened).toBeLessThan(10_000);
  });

  it('logs a browser socket refused for its origin', async () => {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws', { headers: { origin: 'https://elsewhere.example', 'x-request-id': 'socket-origin' } });
    const status = await new Promise<number | undefined>((resolve) => socket.once('unexpected-response', (_req, res) => resolve(res.statusCode)));
    expect(status).toBe(403);
    expect(await untilFound(() => log.lines.find((l) => l.reqId === 'socket-origin'))).toMatchObject({
      msg: 'websocket refused: origin not allowed',
      origin: 'https://elsewhere.example',
      status: 403,
    });
  });

  it('logs a refused socket with the code it was closed with', async () => {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws', { headers: { 'x-request-id': 'socket-refused' } });
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer not-a-token' } }));
    const closed = await untilFound(() => log.lines.find((l) => l.msg === 'websocket closed' && l.reqId === 'socket-refused'));
    expect(closed).toMatchObject({ code: 4401, reason: 'Unauthorized' });
    expect(closed.userId).toBeUndefined();
    expect(log.text()).not.toContain('not-a-token');
  });
});

const canCut = relationalTargets.includes(postgresTarget);
if (!canCut) console.warn('SKIPPED request-scoped engine failure log test: it needs the machine PostgreSQL');

describe.runIf(canCut)('lines written while a request is handled', () => {
  const log = recordingLogger('info');
  let pg: ProxiedPostgres;

  beforeAll(async () => {
    pg = await serverBehindProxy({}, log.logger);
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('carry the request id and user, and an engine failure its cause', async () => {
    const { server, proxy } = pg;
    const ada = await signup(server);
    proxy.cut();
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ada.token}`, 'x-request-id': 'outage-1' },
      body: JSON.stringify({ query: 'query Chats { chats(first: 5) { edges { node { id } } } }' }),
    });
    expect(codeOf((await response.json()) as never)).toBe('UNAVAILABLE');
    proxy.restore();
    const lines = await untilFound(() => {
      const found = log.lines.filter((l) => l.reqId === 'outage-1');
      return found.some((l) => l.msg === 'request') ? found : undefined;
    });
    const failure = lines.find((l) => l.level === 'warn');
    expect(failure).toMatchObject({ userId: ada.id, operation: 'Chats' });
    expect(failure?.err).toMatchObject({ message: expect.any(String), stack: expect.any(String) });
    expect(lines.at(-1)).toMatchObject({ msg: 'request', status: 200, userId: ada.id });
  });
});
