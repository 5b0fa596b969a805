import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipWithoutChromium } from '../../server/test/support/browser.js';
import { TestServer } from '../../server/test/support/server.js';
import { pgliteTarget } from '../../server/test/support/targets.js';
import { directChat, send, signup } from '../../server/test/support/users.js';
import { openClient } from './support/web-client.js';

const CLIENT = fileURLToPath(new URL('../', import.meta.url));

/**
 * `npm run dev`: Vite serving the client from source with hot reload,
 * proxying /graphql (HTTP and WebSocket) to a running Parley. The client
 * signs in through the proxy and receives a message live over it.
 */
describe.skipIf(skipWithoutChromium('web client (npm run dev)'))('web client under npm run dev', () => {
  let server: TestServer;
  let vite: { close(): Promise<void>; resolvedUrls: { local: string[] } | null } | null = null;
  let browser: Browser | null = null;
  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget);
    process.env.PARLEY_API_URL = `http://127.0.0.1:${server.parley.port}`;
    const { createServer } = await import('vite');
    // Silent: its proxy logs the resets of sockets torn down with the browser; the test judges by what the browser shows.
    const dev = await createServer({ root: CLIENT, configFile: `${CLIENT}vite.config.ts`, server: { port: 0, host: '127.0.0.1' }, logLevel: 'silent' });
    await dev.listen();
    vite = dev;
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    delete process.env.PARLEY_API_URL;
    await browser?.close();
    await vite?.close();
    await server?.stop();
  });

  it('serves the client from source and proxies the API, WebSocket included', async () => {
    const ada = await signup(server);
    const bob = await signup(server);
    const chatId = await directChat(server, ada, bob);
    const origin = vite!.resolvedUrls!.local[0]!.replace(/\/$/, '');
    const opened = await openClient(browser, origin, { user: ada, at: `#/chats/${chatId}` });
    try {
      const { page } = opened;
      // Modules come from source (hot reload), not from a build.
      expect(opened.requests.some((url) => url.includes('/src/main.ts'))).toBe(true);
      await page.getByLabel(/^Message /).waitFor();
      await send(server, bob, chatId, 'through the dev proxy');
      await page.locator('.message[data-seq="1"]').getByText('through the dev proxy').waitFor();
      expect(opened.problems).toEqual([]);
    } finally {
      await opened.context.close();
    }
  });
});
