import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { TestServer } from '../support/server.js';
import { pgliteTarget } from '../support/targets.js';
import { signup, type TestUser } from '../support/users.js';

const LISTED = 'https://chat.example.com';
const OTHER_LISTED = 'http://localhost:5173';
const UNLISTED = 'https://evil.example';

/** Every `access-control-*` header of a response. */
const corsHeaders = (response: Response): Record<string, string> =>
  Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-')));

const preflight = (url: string, origin: string) =>
  fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });

const postMe = (url: string, token: string, origin?: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(origin ? { origin } : {}) },
    body: JSON.stringify({ query: '{ me { id } }' }),
  });

/** A graphql-ws upgrade from a browser at `origin` (none: not a browser): 'open', or the status it was refused with. */
function openSocket(wsUrl: string, origin?: string): Promise<'open' | number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws', origin ? { origin } : {});
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    socket.once('error', () => undefined);
  });
}

describe('CORS_ORIGINS: configuration', () => {
  it('is empty by default, and reads origins the way browsers send them (lower case, no default port), once each', () => {
    expect(loadConfig({}).edge.corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: ' ' }).edge.corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: 'https://Chat.Example.com, http://localhost:5173,https://chat.example.com:443,http://[::1]:8080' }).edge.corsOrigins).toEqual([
      'https://chat.example.com',
      'http://localhost:5173',
      'http://[::1]:8080',
    ]);
  });

  it.each([
    ['*', /CORS_ORIGINS: \* is not allowed/],
    ['https://chat.example.com/', /scheme:\/\/host\[:port\]/],
    ['https://chat.example.com/app', /scheme:\/\/host\[:port\]/],
    ['https://chat.example.com?x=1', /scheme:\/\/host\[:port\]/],
    ['chat.example.com', /scheme:\/\/host\[:port\]/],
    ['ftp://chat.example.com', /scheme:\/\/host\[:port\]/],
    ['https://user@chat.example.com', /scheme:\/\/host\[:port\]/],
    ['null', /scheme:\/\/host\[:port\]/],
    ['https://a.example,,https://b.example', /scheme:\/\/host\[:port\]/],
    ['https://chat.example.com:99999', /not a valid origin/],
  ])('refuses %j with one line naming the variable', (value, message) => {
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/^CORS_ORIGINS: /);
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(message);
  });
});

// CORS sits above the storage ports: one engine is enough here.
describe('CORS_ORIGINS set', () => {
  let server: TestServer;
  let ada: TestUser;
  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget, { CORS_ORIGINS: `${LISTED},${OTHER_LISTED}` });
    ada = await signup(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers a listed origin’s preflight 204 with what it may send, and no credentials', async () => {
    for (const origin of [LISTED, OTHER_LISTED]) {
      const response = await preflight(server.url, origin);
      expect(response.status).toBe(204);
      expect(response.headers.get('vary')).toBe('Origin');
      const headers = corsHeaders(response);
      expect(headers).toEqual({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': expect.any(String),
        'access-control-max-age': '7200',
      });
      const allowed = headers['access-control-allow-headers']!.split(', ');
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'accept', 'x-request-id', 'apollo-require-preflight']));
    }
  });

  it('answers an unlisted origin’s preflight without CORS headers, so the browser sends nothing', async () => {
    const response = await preflight(server.url, UNLISTED);
    expect(response.status).toBe(204);
    expect(corsHeaders(response)).toEqual({});
    // Origins are matched exactly: another scheme, port or a subdomain is another origin.
    for (const origin of ['http://chat.example.com', 'https://chat.example.com:8443', 'https://x.chat.example.com', 'null']) {
      expect(corsHeaders(await preflight(server.url, origin)), origin).toEqual({});
    }
  });

  it('lets a listed origin read answers (POST and GET), with x-request-id and retry-after exposed; no one else', async () => {
    const listed = await postMe(server.url, ada.token, LISTED);
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { data: { me: { id: string } } }).data.me.id).toBe(ada.id);
    expect(corsHeaders(listed)).toEqual({ 'access-control-allow-origin': LISTED, 'access-control-expose-headers': 'x-request-id, retry-after' });
    expect(listed.headers.get('vary')).toBe('Origin');

    const get = await fetch(`${server.url}?${new URLSearchParams({ query: '{ me { id } }' })}`, { headers: { origin: OTHER_LISTED, authorization: `Bearer ${ada.token}` } });
    expect(get.headers.get('access-control-allow-origin')).toBe(OTHER_LISTED);

    // Unlisted, or no Origin at all (not a browser): served as ever, without CORS headers, but with Vary for caches.
    for (const response of [await postMe(server.url, ada.token, UNLISTED), await postMe(server.url, ada.token)]) {
      expect(response.status).toBe(200);
      expect(corsHeaders(response)).toEqual({});
      expect(response.headers.get('vary')).toBe('Origin');
    }
  });

  it('leaves OPTIONS that is no preflight to GraphQL (405), and the health endpoints alone', async () => {
    const plain = await fetch(server.url, { method: 'OPTIONS' });
    expect(plain.status).toBe(405);
    expect(corsHeaders(plain)).toEqual({});
    for (const path of ['/healthz', '/readyz']) {
      const response = await fetch(server.url.replace(/\/graphql$/, path), { headers: { origin: LISTED } });
      expect(response.status, path).toBe(200);
      expect(corsHeaders(response), path).toEqual({});
    }
  });

  it('holds for WebSockets too: a browser socket from a listed origin or Parley’s own opens, any other is refused 403', async () => {
    const host = `localhost:${server.parley.port}`;
    expect(await openSocket(server.wsUrl, LISTED)).toBe('open');
    expect(await openSocket(server.wsUrl, `http://${host}`)).toBe('open');
    // Behind a proxy that ends TLS the page is https while Parley sees http: the host decides.
    expect(await openSocket(server.wsUrl, `https://${host}`)).toBe('open');
    // Not a browser: no Origin.
    expect(await openSocket(server.wsUrl)).toBe('open');
    expect(await openSocket(server.wsUrl, UNLISTED)).toBe(403);
    expect(await openSocket(server.wsUrl, 'null')).toBe(403);
    expect(await openSocket(server.wsUrl, `http://${host}.evil.example`)).toBe(403);
  });

  // Last: it closes the server.
  it('lets a listed origin read the 503 of a request refused while Parley shuts down', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const url = new URL(server.url);
    const statusAndOrigin = () =>
      new Promise<[number | undefined, string | undefined]>((resolve, reject) => {
        const body = JSON.stringify({ query: '{ me { id } }' });
        const req = request(url, { method: 'POST', agent, headers: { origin: LISTED, 'content-type': 'application/json', authorization: `Bearer ${ada.token}`, 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => resolve([res.statusCode, res.headers['access-control-allow-origin'] as string | undefined]));
        });
        req.on('error', reject);
        req.end(body);
      });
    expect(await statusAndOrigin()).toEqual([200, LISTED]);
    const closing = server.parley.close();
    expect(await statusAndOrigin()).toEqual([503, LISTED]);
    await closing;
    agent.destroy();
  });
});

describe('CORS_ORIGINS unset (the default)', () => {
  let server: TestServer;
  let ada: TestUser;
  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget);
    ada = await signup(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('sends no CORS headers anywhere, answers no preflight, and leaves sockets alone', async () => {
    const answered = await preflight(server.url, LISTED);
    expect(answered.status).toBe(405);
    expect(corsHeaders(answered)).toEqual({});
    const response = await postMe(server.url, ada.token, LISTED);
    expect(response.status).toBe(200);
    expect(corsHeaders(response)).toEqual({});
    expect(response.headers.get('vary')).toBeNull();
    // A socket's token is its only credential, so without a list its Origin is not looked at.
    expect(await openSocket(server.wsUrl, UNLISTED)).toBe('open');
  });
});
