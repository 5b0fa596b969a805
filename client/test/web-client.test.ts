import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIST } from '../../server/src/http/web-client.js';
import { ARTIFACTS, launchChromium, requestsElsewhere, requireBundle, skipWithoutChromium } from '../../server/test/support/browser.js';
import { openClient, shownBodies, shownSeqs, signUpInBrowser, type OpenOptions } from './support/web-client.js';
import { CuttableProxy } from '../../server/test/support/cuttable-proxy.js';
import { TestServer } from '../../server/test/support/server.js';
import { pgliteTarget } from '../../server/test/support/targets.js';
import { directChat, send, signup, uniqueName, type TestUser } from '../../server/test/support/users.js';

/**
 * The web client (client/, built into client/dist and served by Parley at /), driven
 * in a real headless Chromium against a real server: sign-up, live chat
 * between two browsers, unread badges, reload, history paging and a network
 * drop. Screenshots of the main screens go to server/test-artifacts/.
 */

describe.skipIf(requireBundle('client', WEB_DIST, 'web client'))('web client', () => {
  let server: TestServer;
  let origin: string;
  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget);
    origin = `http://127.0.0.1:${server.parley.port}`;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('is served at / under a same-origin-only CSP, with hashed assets cached for a year', async () => {
    const response = await fetch(`${origin}/`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toMatch(/unsafe|https?:|wss?:|\*/);
    const html = await response.text();
    expect(html).toContain('<div id="app">');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => u.startsWith('/assets/'));
    expect(assets.some((u) => /^\/assets\/index-[\w-]{8}\.js$/.test(u))).toBe(true);
    expect(assets.some((u) => /^\/assets\/index-[\w-]{8}\.css$/.test(u))).toBe(true);
    for (const asset of assets) {
      const file = await fetch(`${origin}${asset}`);
      expect(file.status, asset).toBe(200);
      expect(file.headers.get('cache-control'), asset).toBe('public, max-age=31536000, immutable');
      expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    }
    // Nothing outside dist/assets, and the API and playground keep their paths.
    expect((await fetch(`${origin}/assets/../../package.json`)).status).toBe(404);
    expect((await fetch(`${origin}/assets/nothing-12345678.js`)).status).toBe(404);
    expect(await server.ok('{ __typename }')).toEqual({ __typename: 'Query' });
  });

  describe.skipIf(skipWithoutChromium('web client'))('in Chromium', () => {
    let browser: Browser | null = null;
    let proxy: CuttableProxy;
    beforeAll(async () => {
      proxy = await CuttableProxy.start(server.parley.port);
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await proxy?.close();
    });

    const open = (options: OpenOptions = {}) => openClient(browser, origin, options);

    it('two people sign up, start a chat and talk live; unread badges appear and clear; a reload keeps session and history', async () => {
      const ada = await open();
      const bob = await open();
      try {
        await ada.page.getByRole('heading', { name: 'Welcome back' }).waitFor();
        await ada.page.screenshot({ path: join(ARTIFACTS, 'web-login.png') });

        // A wrong password is answered inline.
        await ada.page.getByLabel('Username').fill(uniqueName('nobody'));
        await ada.page.getByLabel('Password').fill('wrong password');
        await ada.page.getByRole('button', { name: 'Sign in' }).click();
        await ada.page.getByText('Wrong username or password.').waitFor();

        const adaName = uniqueName('ada');
        const bobName = uniqueName('bob');
        await signUpInBrowser(ada.page, adaName, 'Ada Lovelace');
        await signUpInBrowser(bob.page, bobName, 'Bob Stone');

        // Ada finds Bob in the new chat dialog and starts a direct chat.
        await ada.page.getByRole('button', { name: 'New chat' }).first().click();
        const dialog = ada.page.getByRole('dialog', { name: 'New chat' });
        await dialog.waitFor();
        await dialog.getByLabel('Find people').fill(bobName);
        const bobButton = dialog.getByRole('button', { name: new RegExp(`Bob Stone @${bobName}`) });
        await bobButton.waitFor();
        await ada.page.screenshot({ path: join(ARTIFACTS, 'web-new-chat-dialog.png') });
        await bobButton.click();
        await ada.page.getByRole('heading', { name: 'Bob Stone', level: 2 }).waitFor();
        expect(ada.page.url()).toMatch(/#\/chats\/[\w-]+$/);

        // Ada's message shows at once, then as stored (seq 1), once.
        const composer = ada.page.getByLabel('Message Bob Stone');
        await composer.fill('Hi Bob! Lunch tomorrow?');
        await composer.press('Enter');
        await ada.page.locator('.message[data-seq="1"]').getByText('Hi Bob! Lunch tomorrow?').waitFor();
        expect(await shownBodies(ada.page)).toEqual(['Hi Bob! Lunch tomorrow?']);
        await expect.poll(() => ada.page.locator('[data-testid="pending-message"]').count()).toBe(0);

        // Bob's list gets the chat live, with Ada's name, the preview and an unread badge.
        const bobsChat = bob.page.getByRole('link', { name: /Ada Lovelace/ });
        await bobsChat.waitFor();
        await expect.poll(() => bobsChat.innerText()).toContain('Hi Bob! Lunch tomorrow?');
        await expect.poll(() => bobsChat.getByTestId('unread-badge').innerText()).toContain('1');

        // A second message bumps the badge.
        await composer.fill('Line one');
        await composer.press('Shift+Enter');
        await composer.pressSequentially('line two');
        await composer.press('Enter');
        await ada.page.locator('.message[data-seq="2"]').waitFor();
        expect(await shownBodies(ada.page)).toEqual(['Hi Bob! Lunch tomorrow?', 'Line one\nline two']);
        await expect.poll(() => bobsChat.getByTestId('unread-badge').innerText()).toContain('2');
        await bob.page.screenshot({ path: join(ARTIFACTS, 'web-chat-list.png') });

        // Bob opens the chat: he sees both, and reading them clears the badge (markRead, then chatUpdated).
        await bobsChat.click();
        await bob.page.locator('.message[data-seq="2"]').waitFor();
        expect(await shownBodies(bob.page)).toEqual(['Hi Bob! Lunch tomorrow?', 'Line one\nline two']);
        await expect.poll(() => bobsChat.getByTestId('unread-badge').count(), { timeout: 10_000 }).toBe(0);

        // Bob answers; Ada sees it live in the open chat.
        const bobComposer = bob.page.getByLabel('Message Ada Lovelace');
        await bobComposer.fill('Sure, 12:30 at the usual place.');
        await bobComposer.press('Enter');
        await ada.page.locator('.message[data-seq="3"]').getByText('Sure, 12:30 at the usual place.').waitFor();
        await ada.page.screenshot({ path: join(ARTIFACTS, 'web-chat-view.png') });

        // A reload keeps Bob signed in, in the same chat, with its history.
        await bob.page.reload();
        await bob.page.getByRole('heading', { name: 'Ada Lovelace', level: 2 }).waitFor();
        await bob.page.locator('.message[data-seq="3"]').waitFor();
        expect(await shownBodies(bob.page)).toEqual(['Hi Bob! Lunch tomorrow?', 'Line one\nline two', 'Sure, 12:30 at the usual place.']);

        // Logging out clears the session: a reload shows the login screen.
        await bob.page.getByRole('button', { name: 'Log out' }).click();
        await bob.page.getByRole('heading', { name: 'Welcome back' }).waitFor();
        await bob.page.reload();
        await bob.page.getByRole('heading', { name: 'Welcome back' }).waitFor();

        for (const opened of [ada, bob]) {
          expect(opened.problems).toEqual([]);
          // The one expected console error is the wrong-password answer's HTTP status, if Chromium logs it.
          expect(opened.consoleErrors.filter((text) => !/status of 4\d\d/.test(text))).toEqual([]);
          expect(requestsElsewhere(opened.requests, [origin])).toEqual([]);
        }
      } finally {
        await ada.context.close();
        await bob.context.close();
      }
    });

    it('pages upward through history as the reader scrolls, each message once and in order', async () => {
      const ada = await signup(server);
      const bob = await signup(server);
      const chatId = await directChat(server, ada, bob);
      for (let i = 1; i <= 75; i++) await send(server, bob, chatId, `history ${i}`);
      // Read already: the chat opens at the newest message (unread ones would open it at the first unread).
      await server.ok(`mutation { markRead(chatId: "${chatId}", seq: 75) { lastReadSeq } }`, {}, ada.token);

      const opened = await open({ user: ada, at: `#/chats/${chatId}` });
      try {
        const { page } = opened;
        await page.locator('.message[data-seq="75"]').waitFor();
        // The first page is the newest 30, scrolled to the bottom.
        expect((await shownSeqs(page))[0]).toBeGreaterThan(1);
        for (let round = 0; round < 10 && (await page.locator('.message[data-seq="1"]').count()) === 0; round++) {
          await page.locator('.messages').evaluate((el) => el.scrollTo({ top: 0 }));
          await page.waitForTimeout(300);
        }
        await page.getByText('This is the start of the conversation.').waitFor();
        expect(await shownSeqs(page)).toEqual(Array.from({ length: 75 }, (_, i) => i + 1));
        // Reading to the bottom marked everything read: the badge is gone.
        await page.locator('.messages').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
        await expect.poll(async () => (await server.ok(`{ chat(id: "${chatId}") { unreadCount } }`, {}, ada.token)).chat.unreadCount, { timeout: 10_000 }).toBe(0);
        expect(opened.problems).toEqual([]);
      } finally {
        await opened.context.close();
      }
    });

    it('opens a chat with more unread than a page at the first unread message, then pages down to the newest', async () => {
      const ada = await signup(server);
      const bob = await signup(server);
      const chatId = await directChat(server, ada, bob);
      for (let i = 1; i <= 10; i++) await send(server, bob, chatId, `read ${i}`);
      await server.ok(`mutation { markRead(chatId: "${chatId}", seq: 10) { lastReadSeq } }`, {}, ada.token);
      for (let i = 11; i <= 80; i++) await send(server, bob, chatId, `unread ${i}`);

      const opened = await open({ user: ada, at: `#/chats/${chatId}` });
      try {
        const { page } = opened;
        await page.locator('.message[data-seq="11"]').waitFor();
        // A little context above the first unread, and it near the top of the view.
        const seqs = await shownSeqs(page);
        expect(seqs[0]).toBe(1);
        expect(seqs).not.toContain(80);
        const top = await page.locator('.message[data-seq="11"]').evaluate((el) => el.getBoundingClientRect().top - el.closest('.messages')!.getBoundingClientRect().top);
        expect(top).toBeGreaterThanOrEqual(0);
        expect(top).toBeLessThan(120);
        // A message arriving meanwhile waits below the window rather than leaving a gap.
        await send(server, bob, chatId, 'live 81');
        await page.waitForTimeout(300);
        expect(await page.locator('.message[data-seq="81"]').count()).toBe(0);
        for (let round = 0; round < 12 && (await page.locator('.message[data-seq="81"]').count()) === 0; round++) {
          await page.locator('.messages').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
          await page.waitForTimeout(300);
        }
        expect(await shownSeqs(page)).toEqual(Array.from({ length: 81 }, (_, i) => i + 1));
        // Now at the newest: live messages append again.
        await send(server, bob, chatId, 'live 82');
        await page.locator('.message[data-seq="82"]').waitFor();
        expect(opened.problems).toEqual([]);
      } finally {
        await opened.context.close();
      }
    });

    it('shows that it is reconnecting when the connection drops, then catches up: every missed message once, in order', async () => {
      const ada = await signup(server);
      const bob = await signup(server);
      const chatId = await directChat(server, ada, bob);
      await send(server, bob, chatId, 'before the drop');

      // Ada's browser talks to the server through the proxy whose plug the test pulls.
      const opened = await open({ user: ada, at: `#/chats/${chatId}`, via: proxy.origin });
      try {
        const { page } = opened;
        await page.locator('.message[data-seq="1"]').waitFor();
        const banner = page.getByRole('status').filter({ hasText: /Reconnecting/ });

        proxy.cut();
        await banner.waitFor({ timeout: 10_000 });
        for (const body of ['missed one', 'missed two', 'missed three']) await send(server, bob, chatId, body);
        // Ada writes while offline: shown at once, kept, and sent once the connection is back.
        const composer = page.getByLabel(/^Message /);
        await composer.fill('written offline');
        await composer.press('Enter');
        await page.locator('[data-testid="pending-message"]').getByText('written offline').waitFor();
        await page.screenshot({ path: join(ARTIFACTS, 'web-reconnecting.png') });

        proxy.restore();
        await banner.waitFor({ state: 'detached', timeout: 15_000 });
        await page.locator('.message[data-seq="5"]').waitFor({ timeout: 15_000 });
        await expect.poll(() => page.locator('[data-testid="pending-message"]').count()).toBe(0);
        expect(await shownBodies(page)).toEqual(['before the drop', 'missed one', 'missed two', 'missed three', 'written offline']);
        expect(await shownSeqs(page)).toEqual([1, 2, 3, 4, 5]);

        // Still live after the catch-up, and the list was refreshed (its preview is the newest message).
        await send(server, bob, chatId, 'after the drop');
        await page.locator('.message[data-seq="6"]').getByText('after the drop').waitFor();
        expect(await shownSeqs(page)).toEqual([1, 2, 3, 4, 5, 6]);
        await expect.poll(() => page.locator('.chat-item').first().innerText(), { timeout: 10_000 }).toContain('after the drop');
        const stored = await server.ok(`{ messages(chatId: "${chatId}") { edges { node { body } } } }`, {}, ada.token);
        expect(stored.messages.edges.filter((e: { node: { body: string } }) => e.node.body === 'written offline')).toHaveLength(1);
        // What Ada saw is marked read, the markRead lost in the drop included.
        await expect.poll(async () => (await server.ok(`{ chat(id: "${chatId}") { unreadCount } }`, {}, ada.token)).chat.unreadCount, { timeout: 10_000 }).toBe(0);
        expect(opened.problems).toEqual([]);
      } finally {
        proxy.restore();
        await opened.context.close();
      }
    });

    it('returns to the login screen, saying why, when the stored token is no longer accepted', async () => {
      const ada = await signup(server);
      const opened = await open({ user: { ...ada, token: `${ada.token}x` } });
      try {
        await opened.page.getByRole('heading', { name: 'Welcome back' }).waitFor();
        await opened.page.getByText('Your session has ended. Please sign in again.').waitFor();
        expect(await opened.page.evaluate(() => localStorage.getItem('parley.session'))).toBeNull();
        expect(opened.problems).toEqual([]);
      } finally {
        await opened.context.close();
      }
    });

    it('shows every sign-up problem at once, and "Yesterday" in the chat list for a message of the day before', async () => {
      const signedOut = await open();
      try {
        const { page } = signedOut;
        await page.getByRole('button', { name: 'Create an account' }).click();
        await page.getByLabel('Username').fill('A!');
        await page.getByLabel('Password').fill('short');
        await page.getByRole('button', { name: 'Create account' }).click();
        // Both fields say what is wrong, before any request: not one problem per attempt.
        await expect.poll(() => page.locator('.field-error').count()).toBe(2);
        expect(await page.getByLabel('Username').getAttribute('aria-invalid')).toBe('true');
        expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
      } finally {
        await signedOut.context.close();
      }

      const ada = await signup(server);
      const bob = await signup(server);
      const chatId = await directChat(server, ada, bob);
      await send(server, bob, chatId, 'sent today, read tomorrow');
      const tomorrow = await openClient(browser, origin, { user: ada, at: '#/', clockAt: new Date(Date.now() + 24 * 3600 * 1000) });
      try {
        const item = tomorrow.page.getByRole('link', { name: new RegExp(bob.username) });
        await item.waitFor();
        expect(await item.locator('time').innerText()).toBe('Yesterday');
      } finally {
        await tomorrow.context.close();
      }
    });

    it('keeps the chat list its width whatever the last message: times, badges, New chat and Log out stay on screen', async () => {
      const ada = await signup(server);
      const bob = await signup(server);
      const chatId = await directChat(server, ada, bob);
      await send(server, bob, chatId, `${'x'.repeat(3990)} tail`);
      for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
        const opened = await open({ user: ada, viewport });
        try {
          const { page } = opened;
          await page.getByRole('link', { name: new RegExp(bob.username) }).waitFor();
          const sidebar = await page.locator('.sidebar').boundingBox();
          expect(sidebar!.width).toBeLessThanOrEqual(viewport.width < 700 ? viewport.width : 340);
          expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
          for (const name of ['New chat', 'Log out']) {
            const box = await page.getByRole('button', { name }).first().boundingBox();
            expect(box!.x + box!.width, `${name} at ${viewport.width} px`).toBeLessThanOrEqual(viewport.width);
          }
          const time = await page.locator('.chat-item-time').first().boundingBox();
          expect(time!.x + time!.width).toBeLessThanOrEqual(sidebar!.x + sidebar!.width);
          expect(opened.problems).toEqual([]);
        } finally {
          await opened.context.close();
        }
      }
    });

    it('starts a direct chat with Enter in the dialog’s search when one person matches, never asking for a group name, with focus in the message box', async () => {
      const ada = await signup(server);
      const bob = await signup(server);
      const opened = await open({ user: ada });
      try {
        const { page } = opened;
        await page.getByRole('button', { name: 'New chat' }).first().click();
        const dialog = page.getByRole('dialog', { name: 'New chat' });
        await dialog.waitFor();
        await page.locator('#new-chat-search').fill(bob.username);
        await dialog.getByText(`@${bob.username}`).waitFor();
        await page.keyboard.press('Enter');
        await dialog.waitFor({ state: 'hidden' });
        await page.getByRole('link', { name: new RegExp(bob.username) }).waitFor();
        expect(await page.getByText('Give the group a name.').count()).toBe(0);
        // Typing straight away writes the first message, instead of reopening the dialog from New chat.
        await page.waitForFunction(() => document.activeElement?.id === 'composer-input', null, { timeout: 5000 });
        expect(opened.problems).toEqual([]);
      } finally {
        await opened.context.close();
      }
    });

    it('puts focus in the message box after picking a person, so the first keys typed are the first message', async () => {
      const ada = await signup(server);
      const bob = await signup(server);
      const carol = await signup(server);
      // Ada already has a chat open: picking someone else must still land in the new chat's box.
      const first = await directChat(server, ada, carol);
      const opened = await open({ user: ada, at: `#/chats/${first}` });
      try {
        const { page } = opened;
        await page.locator('#composer-input').waitFor();
        await page.getByRole('button', { name: 'New chat' }).first().click();
        const dialog = page.getByRole('dialog', { name: 'New chat' });
        await page.locator('#new-chat-search').fill(bob.username);
        await dialog.getByRole('button', { name: new RegExp(bob.username) }).click();
        await dialog.waitFor({ state: 'hidden' });
        await page.waitForFunction(() => document.activeElement?.id === 'composer-input', null, { timeout: 5000 });
        await page.keyboard.type('hello bob');
        expect(await page.locator('#composer-input').inputValue()).toBe('hello bob');
        expect(await dialog.isVisible()).toBe(false);
      } finally {
        await opened.context.close();
      }
    });

    it('works by keyboard in the new chat dialog and as separate list and chat screens on a phone', async () => {
      const ada = await signup(server);
      const bob = await signup(server);
      const chatId = await directChat(server, ada, bob);
      await send(server, bob, chatId, 'Are you on your phone?');
      await send(server, ada, chatId, 'Yes! It fits nicely.');

      const phone = { width: 390, height: 844 };
      const loggedOut = await open({ viewport: phone });
      await loggedOut.page.getByRole('heading', { name: 'Welcome back' }).waitFor();
      await loggedOut.page.screenshot({ path: join(ARTIFACTS, 'web-phone-login.png') });
      await loggedOut.context.close();

      const opened = await open({ user: ada, viewport: phone });
      try {
        const { page } = opened;
        // The list alone; the chat pane is not shown.
        const chat = page.getByRole('link', { name: new RegExp(bob.username) });
        await chat.waitFor();
        expect(await page.locator('.main').isVisible()).toBe(false);
        await page.screenshot({ path: join(ARTIFACTS, 'web-phone-list.png') });

        // The dialog by keyboard: opens on Enter with focus in the search, keeps Tab inside, closes on Escape.
        const newChat = page.getByRole('button', { name: 'New chat' }).first();
        await newChat.focus();
        await page.keyboard.press('Enter');
        const dialog = page.getByRole('dialog', { name: 'New chat' });
        await dialog.waitFor();
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('new-chat-search');
        for (let i = 0; i < 12; i++) {
          await page.keyboard.press('Tab');
          expect(await page.evaluate(() => !!document.activeElement?.closest('dialog'))).toBe(true);
        }
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'hidden' });
        expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('New chat');

        // The chat alone, with a way back.
        await chat.click();
        await page.locator('.message[data-seq="2"]').waitFor();
        expect(await page.locator('.sidebar').isVisible()).toBe(false);
        await page.screenshot({ path: join(ARTIFACTS, 'web-phone-chat.png') });
        await page.getByRole('link', { name: 'Back to chats' }).click();
        await chat.waitFor();
        expect(opened.problems).toEqual([]);
      } finally {
        await opened.context.close();
      }
    });
  });
});
