import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIST } from '../../server/src/http/web-client.js';
import { launchChromium, requireBundle, skipWithoutChromium } from '../../server/test/support/browser.js';
import { CuttableProxy } from '../../server/test/support/cuttable-proxy.js';
import { TestServer } from '../../server/test/support/server.js';
import { pgliteTarget } from '../../server/test/support/targets.js';
import { directChat, groupChat, send, signup, type TestUser } from '../../server/test/support/users.js';
import { expectAccessible, openClient, PHONE, screenshot, shownBodies, type OpenOptions } from './support/web-client.js';

/**
 * The web client on `chatEvents`, in Chromium against a real server: edits
 * and deletes by others live and after a dropped connection, "typing…", and
 * "Seen" / "Seen by N" with three browsers.
 */
describe.skipIf(requireBundle('client', WEB_DIST, 'web client'))('web client live events', () => {
  let server: TestServer;
  let origin: string;
  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget);
    origin = `http://127.0.0.1:${server.parley.port}`;
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe.skipIf(skipWithoutChromium('web client live events'))('in Chromium', () => {
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
    const edit = (user: TestUser, messageId: string, body: string) =>
      server.ok(`mutation ($m: ID!, $b: String!) { editMessage(messageId: $m, body: $b) { id } }`, { m: messageId, b: body }, user.token);
    const remove = (user: TestUser, messageId: string) =>
      server.ok(`mutation ($m: ID!) { deleteMessage(messageId: $m) { id } }`, { m: messageId }, user.token);

    it('shows another person’s edits and deletes live, and those made while the connection was down once it is back', async () => {
      const ada = await signup(server);
      const bob = await signup(server);
      const chatId = await directChat(server, ada, bob);
      const first = await send(server, ada, chatId, 'first draft');
      const second = await send(server, ada, chatId, 'second');
      const third = await send(server, ada, chatId, 'third');
      await server.ok(`mutation { markRead(chatId: "${chatId}", seq: 3) { lastReadSeq } }`, {}, bob.token);

      const opened = await open({ user: bob, at: `#/chats/${chatId}`, via: proxy.origin });
      try {
        const { page } = opened;
        await page.locator('.message[data-seq="3"]').waitFor();

        await edit(ada, first.messageId, 'first, final');
        await page.locator('.message[data-seq="1"]').getByText('first, final').waitFor();
        await remove(ada, second.messageId);
        await page.locator('.message[data-seq="2"]').getByText('Message deleted').waitFor();

        // Offline: an edit, a delete and a new message happen meanwhile; back online they all show, each once.
        proxy.cut();
        await page.getByText(/reconnecting/i).first().waitFor();
        await edit(ada, third.messageId, 'third, edited offline');
        await remove(ada, first.messageId);
        await send(server, ada, chatId, 'sent while Bob was away');
        proxy.restore();
        await page.locator('.message[data-seq="4"]').getByText('sent while Bob was away').waitFor();
        await page.locator('.message[data-seq="3"]').getByText('third, edited offline').waitFor();
        await page.locator('.message[data-seq="1"]').getByText('Message deleted').waitFor();
        expect(await shownBodies(page)).toEqual(['Message deleted', 'Message deleted', 'third, edited offline', 'sent while Bob was away']);
        expect(opened.problems).toEqual([]);
      } finally {
        await opened.context.close();
      }
    });

    it('shows “typing…” while the other person types, gone when they send or leave the box', async () => {
      const ada = await signup(server);
      const bob = await signup(server);
      const chatId = await directChat(server, ada, bob);
      await send(server, ada, chatId, 'hello');
      const adaPage = await open({ user: ada, displayName: ada.username, at: `#/chats/${chatId}` });
      const bobPage = await open({ user: bob, at: `#/chats/${chatId}` });
      try {
        await adaPage.page.locator('.message[data-seq="1"]').waitFor();
        await bobPage.page.locator('.message[data-seq="1"]').waitFor();
        const typing = bobPage.page.getByTestId('typing');
        expect(await typing.innerText()).toBe('');

        const composer = adaPage.page.getByLabel(/^Message /);
        await composer.pressSequentially('Just a sec');
        await expect.poll(() => typing.innerText()).toBe(`${ada.username} is typing…`);
        await screenshot(bobPage.page, 'typing');
        await composer.press('Enter');
        await bobPage.page.locator('.message[data-seq="2"]').waitFor();
        await expect.poll(() => typing.innerText()).toBe('');

        await composer.pressSequentially('one more');
        await expect.poll(() => typing.innerText()).not.toBe('');
        // Focus leaves the message box: "stopped" goes out at once.
        await adaPage.page.getByRole('region', { name: 'Messages' }).focus();
        await expect.poll(() => typing.innerText(), { timeout: 3_000 }).toBe('');
        expect(adaPage.problems).toEqual([]);
        expect(bobPage.problems).toEqual([]);
      } finally {
        await adaPage.context.close();
        await bobPage.context.close();
      }
    });

    it('says “Seen” on a direct chat, and “Seen by N” with the names in a group, as people read', async () => {
      const [ada, bob, cy] = [await signup(server), await signup(server), await signup(server)];
      const direct = await directChat(server, ada, bob);
      const group = await groupChat(server, ada, 'Readers', [bob, cy]);
      await send(server, ada, direct, 'did you see this?');
      await send(server, ada, group, 'group news');

      const adaPage = await open({ user: ada, at: `#/chats/${direct}` });
      try {
        const { page } = adaPage;
        await page.locator('.message[data-seq="1"]').waitFor();
        expect(await page.getByTestId('seen').count()).toBe(0);
        const bobPage = await open({ user: bob, at: `#/chats/${direct}` });
        await page.getByTestId('seen').getByText('Seen').waitFor();
        await bobPage.context.close();

        await page.goto(`${origin}/#/chats/${group}`);
        await page.locator('.message[data-seq="1"]').waitFor();
        const bobInGroup = await open({ user: bob, at: `#/chats/${group}` });
        await page.getByTestId('seen').getByText('Seen by 1').waitFor();
        const cyInGroup = await open({ user: cy, viewport: PHONE, at: `#/chats/${group}` });
        const seen = page.getByTestId('seen');
        await seen.getByText('Seen by 2').waitFor();
        // The names on keyboard focus (and hover).
        await seen.focus();
        const names = page.getByRole('tooltip');
        await names.waitFor();
        expect((await names.innerText()).split(', ').sort()).toEqual([bob.username, cy.username].sort());
        await screenshot(page, 'seen-by');
        await expectAccessible(page, 'group chat with Seen by');
        await bobInGroup.context.close();
        await cyInGroup.context.close();
        expect(adaPage.problems).toEqual([]);
      } finally {
        await adaPage.context.close();
      }
    });
  });
});
