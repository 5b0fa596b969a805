import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlayground, PLAYGROUND_DIST } from '../../server/src/http/playground.js';
import { ARTIFACTS, launchChromium, newContext, reportPageProblems, requestsElsewhere, requireBundle, skipWithoutChromium } from '../../server/test/support/browser.js';
import { TestServer } from '../../server/test/support/server.js';
import { pgliteTarget } from '../../server/test/support/targets.js';
import { directChat, send, signup } from '../../server/test/support/users.js';

/**
 * The GraphQL playground: GraphiQL served by Parley at GET /graphql to browsers,
 * bundled at build time (playground/dist), driven here in a real headless Chromium
 * against a real server.
 */

/** A raw GET: fetch() would normalize `..` segments away before they reach the server. */
function rawGet(
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe('playground without a build', () => {
  let dir: string;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-playground-'));
    const playground = createPlayground(join(dir, 'dist'));
    server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://parley');
      if (playground.handles(req, url)) {
        playground.serve(req, res, url).catch(() => res.destroy());
      } else {
        res.writeHead(418).end('graphql');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('answers a browser 503 with how to build it, and leaves everything else to GraphQL', async () => {
    const page = await fetch(`${base}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await page.text()).toContain('npm run build');
    expect((await fetch(`${base}/graphql/assets/index-abcdefgh.js`)).status).toBe(404);
    expect((await fetch(`${base}/graphql`, { method: 'POST', headers: { accept: BROWSER_ACCEPT } })).status).toBe(418);
    expect((await fetch(`${base}/graphql`)).status).toBe(418);
  });
});

describe.skipIf(requireBundle('playground', PLAYGROUND_DIST, 'playground'))('playground', () => {
  let server: TestServer;
  let origin: string;
  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget);
    origin = new URL(server.url).origin;
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe('over HTTP', () => {
    it('GET /graphql from a browser is the GraphiQL page, under a same-origin-only CSP', async () => {
      const response = await fetch(server.url, { headers: { accept: BROWSER_ACCEPT } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('vary')).toMatch(/accept/i);
      const csp = response.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/https?:|wss?:|\*/);
      expect(csp).not.toMatch(/script-src[^;]*unsafe/);
      const html = await response.text();
      expect(html).toContain('<div id="playground">');
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => !u.startsWith('data:'));
      expect(assets.some((u) => /^\/graphql\/assets\/index-[\w-]{8}\.js$/.test(u))).toBe(true);
      for (const asset of assets) {
        expect(asset).toMatch(/^\/graphql\/assets\//);
        const file = await fetch(`${origin}${asset}`);
        expect(file.status, asset).toBe(200);
        expect(file.headers.get('content-type'), asset).toMatch(asset.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
        expect(file.headers.get('cache-control'), asset).toBe('public, max-age=31536000, immutable');
        expect(file.headers.get('x-content-type-options')).toBe('nosniff');
      }
    });

    it('sends the gzip copy of an asset to clients that accept it', async () => {
      const html = await (await fetch(server.url, { headers: { accept: 'text/html' } })).text();
      const script = /src="(\/graphql\/assets\/index-[\w-]{8}\.js)"/.exec(html)![1];
      const plain = await rawGet(server.url, script);
      const gzipped = await rawGet(server.url, script, { 'accept-encoding': 'gzip, deflate, br' });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(gzipped.headers['content-encoding']).toBe('gzip');
      expect(gzipped.body.length).toBeLessThan(plain.body.length / 2);
      expect(gunzipSync(gzipped.body).equals(plain.body)).toBe(true);
      expect(gzipped.headers.vary).toMatch(/accept-encoding/i);
    });

    it('GET /graphql without an HTML Accept is GraphQL, not the page', async () => {
      for (const headers of [{}, { accept: 'application/json' }, { accept: '*/*' }] as Record<string, string>[]) {
        const response = await fetch(server.url, { headers });
        expect(response.status).toBe(400);
        expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
        expect((await response.json()).errors.length).toBeGreaterThan(0);
      }
    });

    it('GET /graphql?query= is GraphQL even from a browser', async () => {
      const query = `${server.url}?query=${encodeURIComponent('{ __typename }')}`;
      // A query over GET runs without any preflight header (tokens travel only in Authorization, so CSRF prevention is off).
      for (const headers of [{ accept: BROWSER_ACCEPT }, { accept: BROWSER_ACCEPT, 'apollo-require-preflight': 'true' }]) {
        const executed = await fetch(query, { headers });
        expect(executed.status).toBe(200);
        expect(executed.headers.get('content-type')).toMatch(/json/);
        expect(await executed.json()).toEqual({ data: { __typename: 'Query' } });
      }
    });

    it('POST /graphql still answers GraphQL, whatever the Accept header', async () => {
      expect(await server.ok('{ __typename }')).toEqual({ __typename: 'Query' });
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: BROWSER_ACCEPT },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    });

    it('serves nothing outside playground/dist/assets', async () => {
      const paths = [
        '/graphql/assets/../../package.json',
        '/graphql/assets/../index.html',
        '/graphql/assets/..%2f..%2fpackage.json',
        '/graphql/assets/..%2F..%2F..%2Fpackage.json',
        '/graphql/assets/%2e%2e%2findex.html',
        '/graphql/assets/..%5c..%5cpackage.json',
        '/graphql/assets/%2fetc%2fpasswd',
        '/graphql/assets/.hidden.js',
        '/graphql/assets/index.html',
        '/graphql/assets/',
        '/graphql/assets/nothing-12345678.js',
        '/graphql/assets/%E0%A4%A',
        '/graphql/assets/a%00.js',
      ];
      for (const path of paths) {
        const response = await rawGet(server.url, path, { accept: BROWSER_ACCEPT });
        expect(response.status, path).toBe(404);
        expect(response.body.toString(), path).not.toContain('"name": "parley"');
      }
      // A gzip copy is served only as the encoding of its asset, never as a file of its own.
      const html = await (await fetch(server.url, { headers: { accept: 'text/html' } })).text();
      const script = /src="(\/graphql\/assets\/index-[\w-]{8}\.js)"/.exec(html)![1];
      expect((await rawGet(server.url, `${script}.gz`)).status).toBe(404);
    });

    it('the welcome page at / links to the playground', async () => {
      const html = await (await fetch(`${origin}/`)).text();
      expect(html).toContain('href="/graphql"');
    });
  });

  describe.skipIf(skipWithoutChromium('playground'))('in Chromium', () => {
    let browser: Browser | null = null;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    /** A fresh browser profile on the playground, recording every request it makes. */
    async function open(): Promise<{ page: Page; context: BrowserContext; requests: string[]; sockets: string[]; problems: string[] }> {
      const context = await newContext(browser, "the playground's", { viewport: { width: 1400, height: 900 } });
      const requests: string[] = [];
      const sockets: string[] = [];
      const problems: string[] = [];
      context.on('request', (r) => requests.push(r.url()));
      const page = await context.newPage();
      page.on('websocket', (ws) => sockets.push(ws.url()));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      });
      await reportPageProblems(page, problems);
      const response = await page.goto(server.url);
      expect(response!.status()).toBe(200);
      await page.locator('.graphiql-query-editor .monaco-editor').waitFor();
      return { page, context, requests, sockets, problems };
    }

    /** Everything stayed on the test server: no CDN, no font service, nothing else. */
    function expectOnlyOrigin(requests: string[], sockets: string[]): void {
      expect(requests.length).toBeGreaterThan(3);
      expect(requestsElsewhere(requests, [origin], ['blob:', 'data:'])).toEqual([]);
      for (const socket of sockets) expect(socket).toBe(server.wsUrl);
    }

    /** Replaces an editor's whole text, as a paste (typing would trigger Monaco's auto-closing brackets). */
    async function fill(page: Page, editor: string, text: string): Promise<void> {
      await page.locator(`${editor} .monaco-editor`).click();
      await page.waitForFunction((selector) => document.activeElement?.closest(selector) != null, `${editor} .monaco-editor`);
      await page.keyboard.press('ControlOrMeta+A');
      await page.evaluate((value) => {
        const data = new DataTransfer();
        data.setData('text/plain', value);
        document.activeElement!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      }, text);
      await page.waitForFunction(
        ([selector, start]) => (document.querySelector(selector) as HTMLElement | null)?.innerText.replace(/\u00a0/g, ' ').startsWith(start),
        [`${editor} .view-lines`, text.split('\n')[0]] as const,
      );
    }

    /** Puts an operation in the query editor and waits until GraphiQL has parsed it (its tab takes the operation's name). */
    async function setOperation(page: Page, name: string, text: string): Promise<void> {
      await fill(page, QUERY_EDITOR, text);
      await page.locator(`[id^="graphiql-session-tab-"][title="${name}"]`).waitFor();
    }

    const QUERY_EDITOR = '.graphiql-query-editor';
    const HEADERS_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';

    /** Waits until the result pane shows `needle` (Monaco renders spaces as no-break spaces). */
    async function expectResult(page: Page, needle: string): Promise<string> {
      const shown = () =>
        page.evaluate(() => (document.querySelector('.graphiql-response .view-lines') as HTMLElement | null)?.innerText.replace(/\u00a0/g, ' ') ?? '');
      await page
        .waitForFunction(
          (text) => (document.querySelector('.graphiql-response .view-lines') as HTMLElement | null)?.innerText.replace(/\u00a0/g, ' ').includes(text),
          needle,
          { timeout: 20_000 },
        )
        .catch(async (error: Error) => {
          await page.screenshot({ path: join(ARTIFACTS, 'playground-failure.png') });
          throw new Error(`the result pane never showed ${JSON.stringify(needle)}; it shows:\n${await shown()}`, { cause: error });
        });
      return shown();
    }

    it('loads GraphiQL with the schema and runs the default signup mutation from the run button', async () => {
      const { page, context, requests, sockets, problems } = await open();
      try {
        const editor = await page.locator(QUERY_EDITOR).innerText();
        expect(editor.replace(/\u00a0/g, ' ')).toContain('mutation Signup');
        // The token's place is waiting in the headers editor.
        expect((await page.locator(HEADERS_EDITOR).innerText()).replace(/\u00a0/g, ' ')).toContain('"authorization": "Bearer <token');

        await page.getByRole('button', { name: /Execute query/ }).click();
        const result = await expectResult(page, '"token"');
        expect(result).toContain('"username": "ada"');
        expect(result).not.toContain('"errors"');

        // The schema came through the standard introspection query: the docs list the root types.
        await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
        const docs = page.locator('.graphiql-doc-explorer');
        await docs.getByText('Subscription', { exact: true }).waitFor({ timeout: 20_000 });
        expect(await docs.innerText()).toContain('Mutation');

        await page.screenshot({ path: join(ARTIFACTS, 'playground.png') });
        expect(problems).toEqual([]);
        expectOnlyOrigin(requests, sockets);
      } finally {
        await context.close();
      }
    });

    it('runs a subscription over graphql-ws with the token from the headers editor, and shows live messages', async () => {
      const ada = await signup(server);
      const bob = await signup(server);
      const chatId = await directChat(server, ada, bob);
      await send(server, ada, chatId, 'before subscribing');

      const { page, context, requests, sockets, problems } = await open();
      try {
        await setOperation(page, 'Live', `subscription Live {\n  messageAdded(chatId: "${chatId}", afterSeq: 0) { seq body sender { username } }\n}`);
        // Capitalized on purpose: HTTP header names are case-insensitive, and the playground makes them so over WebSocket too.
        await fill(page, HEADERS_EDITOR, `{ "Authorization": "Bearer ${bob.token}" }`);
        await page.locator(`${QUERY_EDITOR} .monaco-editor`).click();
        await page.keyboard.press('ControlOrMeta+Enter');

        // The replay proves the subscription is live; then a message sent now arrives on its own.
        await expectResult(page, 'before subscribing');
        await send(server, ada, chatId, 'live from the test');
        const result = await expectResult(page, 'live from the test');
        expect(result).toContain('"seq": 2');
        expect(result).toContain(`"username": "${ada.username}"`);
        expect(sockets).toEqual([server.wsUrl]);

        await page.screenshot({ path: join(ARTIFACTS, 'playground-subscription.png') });
        expect(problems).toEqual([]);
        expectOnlyOrigin(requests, sockets);
      } finally {
        await context.close();
      }
    });

    it('a subscription without a token says where the token goes', async () => {
      const ada = await signup(server);
      const bob = await signup(server);
      const chatId = await directChat(server, ada, bob);
      const { page, context, requests, sockets } = await open();
      try {
        // The headers editor still holds its placeholder, which is no token.
        await setOperation(page, 'NoToken', `subscription NoToken { messageAdded(chatId: "${chatId}") { seq } }`);
        await page.keyboard.press('ControlOrMeta+Enter');
        const result = await expectResult(page, '4401');
        expect(result).toContain('Headers');
        expectOnlyOrigin(requests, sockets);
      } finally {
        await context.close();
      }
    });
  });
});
