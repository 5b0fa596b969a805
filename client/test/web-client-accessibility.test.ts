import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { WEB_DIST } from '../../server/src/http/web-client.js';
import { launchChromium, requireBundle, skipWithoutChromium } from '../../server/test/support/browser.js';
import { TestServer } from '../../server/test/support/server.js';
import { pgliteTarget } from '../../server/test/support/targets.js';
import { directChat, groupChat, send, signup, type TestUser } from '../../server/test/support/users.js';
import { DESKTOP, expectAccessible, openClient, PHONE, screenshot } from './support/web-client.js';

/**
 * axe-core over every screen of the web client that is not a capability's own
 * (those check theirs in their suites): signed out, the chat list, a direct
 * and a group chat, the new chat dialog; light and dark, desktop and phone.
 * 0 violations of any impact. Each screen is also saved as a screenshot.
 */
describe.skipIf(requireBundle('client', WEB_DIST, 'web client'))('web client accessibility', () => {
  let server: TestServer;
  let origin: string;
  let ada: TestUser;
  let direct: string;
  let group: string;
  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget);
    origin = `http://127.0.0.1:${server.parley.port}`;
    ada = await signup(server);
    const bob = await signup(server);
    const cy = await signup(server);
    direct = await directChat(server, ada, bob);
    await send(server, bob, direct, 'Are we still on for Friday?');
    await send(server, ada, direct, 'Yes! 7 pm at the usual place.');
    await send(server, bob, direct, 'Great, see you there.');
    group = await groupChat(server, ada, 'Book club', [bob]);
    await server.ok(`mutation ($c: ID!, $u: [ID!]!) { addMembers(chatId: $c, userIds: $u) { id } }`, { c: group, u: [cy.id] }, ada.token);
    await send(server, cy, group, 'Thanks for adding me!');
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe.skipIf(skipWithoutChromium('web client accessibility'))('in Chromium', () => {
    let browser: Browser | null = null;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    for (const colorScheme of ['light', 'dark'] as const) {
      for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
        const name = (screen: string) => `${screen}-${size}-${colorScheme}`;

        it(`has no violations signed out (${size}, ${colorScheme})`, async () => {
          const { page, context } = await openClient(browser, origin, { viewport, colorScheme });
          try {
            await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
            await expectAccessible(page, name('login'));
            await screenshot(page, name('login'));
            await page.getByRole('button', { name: 'Create an account' }).click();
            await page.getByRole('button', { name: 'Create account' }).click();
            // The sign-up form with every field's problem shown.
            await page.locator('.field-error').first().waitFor();
            await expectAccessible(page, name('signup-errors'));
            await screenshot(page, name('signup-errors'));
          } finally {
            await context.close();
          }
        });

        it(`has no violations signed in: list, chats, new chat dialog (${size}, ${colorScheme})`, async () => {
          const { page, context } = await openClient(browser, origin, { user: ada, viewport, colorScheme });
          try {
            await page.getByRole('link', { name: /Book club/ }).waitFor();
            await expectAccessible(page, name('chat-list'));
            await screenshot(page, name('chat-list'));

            await page.goto(`${origin}/#/chats/${direct}`);
            await page.locator('.message[data-seq="3"]').waitFor();
            await expectAccessible(page, name('direct-chat'));
            await screenshot(page, name('direct-chat'));

            await page.goto(`${origin}/#/chats/${group}`);
            await page.locator('.message .body').getByText('Thanks for adding me!').waitFor();
            await expectAccessible(page, name('group-chat'));
            await screenshot(page, name('group-chat'));

            await page.goto(`${origin}/#/`);
            await page.getByRole('button', { name: 'New chat' }).first().click();
            const dialog = page.getByRole('dialog', { name: 'New chat' });
            await dialog.waitFor();
            await dialog.getByLabel('Find people').fill('u_');
            await dialog.getByRole('button').nth(2).waitFor();
            await expectAccessible(page, name('new-chat-dialog'));
            await screenshot(page, name('new-chat-dialog'));
          } finally {
            await context.close();
          }
        });
      }
    }
  });
});
