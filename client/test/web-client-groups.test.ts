import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIST } from '../../server/src/http/web-client.js';
import { launchChromium, requireBundle, skipWithoutChromium } from '../../server/test/support/browser.js';
import { DESKTOP, expectAccessible, openClient, PHONE, screenshot, type Opened, type OpenOptions } from './support/web-client.js';
import { TestServer } from '../../server/test/support/server.js';
import { pgliteTarget } from '../../server/test/support/targets.js';
import { type TestUser, groupChat, signupAs, type NamedUser } from '../../server/test/support/users.js';

/**
 * Groups in the web client, in Chromium with up to three people at once: the
 * group panel (members with presence, add, rename, remove, leave), system
 * messages in the timeline, the header following every change live, and what
 * someone removed or leaving sees (no message box that cannot send).
 */

type Person = NamedUser;

describe.skipIf(requireBundle('client', WEB_DIST, 'web client'))('web client: groups and presence', () => {
  let server: TestServer;
  let origin: string;
  beforeAll(async () => {
    // A short grace, so someone who closed their last socket is shown offline within the test.
    server = await TestServer.start(pgliteTarget, { PRESENCE_GRACE_MS: '300' });
    origin = `http://127.0.0.1:${server.parley.port}`;
  });
  afterAll(async () => {
    await server?.stop();
  });

  const person = (displayName: string) => signupAs(server, displayName);

  /** Someone who was online once and is offline now: their presence has a lastSeenAt. */
  async function seenOnceThenGone(user: Person): Promise<void> {
    const ws = server.wsClient(user.token, { lazy: false });
    await new Promise<void>((resolve, reject) => {
      ws.on('connected', () => resolve());
      ws.on('error', reject);
    });
    await ws.dispose();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }

  const group = (owner: TestUser, title: string, members: TestUser[]) => groupChat(server, owner, title, members);

  describe.skipIf(skipWithoutChromium('web client: groups'))('in Chromium', () => {
    let browser: Browser | null = null;
    const opened: Opened[] = [];
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      for (const o of opened) await o.context.close().catch(() => undefined);
      await browser?.close();
    });

    async function open(user: Person, options: OpenOptions = {}): Promise<Opened> {
      const o = await openClient(browser, origin, { user, displayName: user.displayName, ...options });
      opened.push(o);
      // Straight into a chat on a phone, the list (and its New chat) is another screen.
      if (!options.at) await o.page.getByRole('button', { name: 'New chat' }).first().waitFor();
      return o;
    }

    const subtitle = (page: Page) => page.getByTestId('chat-subtitle');
    const systemMessages = (page: Page) => page.locator('.system-message').allInnerTexts();
    const openChat = async (page: Page, title: string) => {
      await page.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: new RegExp(title) }).click();
      await page.getByRole('heading', { name: title, level: 2 }).waitFor();
    };
    const openPanel = async (page: Page) => {
      await page.getByRole('button', { name: 'Group info' }).click();
      const panel = page.getByRole('dialog', { name: 'Group info' });
      await panel.waitFor();
      return panel;
    };
    const noProblems = (o: Opened) => {
      expect(o.problems).toEqual([]);
      expect(o.consoleErrors).toEqual([]);
    };

    it('the owner creates a group, sees members with presence, adds, renames and removes live; the removed one and the one leaving lose the message box', async () => {
      const [ada, bob, carl, dan] = await Promise.all(['Ada Lovelace', 'Bob Stone', 'Carl Weiss', 'Dan Offline'].map(person));
      await seenOnceThenGone(dan);

      // Ada creates the group in the UI, with Bob and Dan.
      const a = await open(ada);
      await a.page.getByRole('button', { name: 'New chat' }).first().click();
      const dialog = a.page.getByRole('dialog', { name: 'New chat' });
      await dialog.getByRole('radio', { name: 'Group' }).check();
      await dialog.getByLabel('Group name').fill('Book club');
      for (const who of [bob, dan]) {
        await dialog.getByLabel('Find people').fill(who.username);
        await dialog.getByRole('checkbox', { name: new RegExp(who.username) }).check();
      }
      await dialog.getByRole('button', { name: /Create group/ }).click();
      await a.page.getByRole('heading', { name: 'Book club', level: 2 }).waitFor();

      const b = await open(bob);
      await openChat(b.page, 'Book club');

      // Ada's header: 3 members, Ada and Bob online. The panel lists everyone with presence.
      await expect.poll(() => subtitle(a.page).innerText()).toBe('3 members, 2 online');
      const panel = await openPanel(a.page);
      // Focus goes into the panel.
      await expect.poll(() => a.page.evaluate(() => document.activeElement?.closest('dialog')?.getAttribute('aria-labelledby'))).toBe('group-panel-title');
      const members = panel.getByRole('list', { name: 'Members' });
      const row = (who: Person) => members.getByRole('listitem').filter({ hasText: who.displayName });
      await expect.poll(() => row(ada).innerText()).toMatch(/\(you\)[\s\S]*owner · online/);
      await expect.poll(() => row(bob).innerText()).toContain('online');
      await expect.poll(() => row(dan).innerText()).toMatch(/last seen (just now|\d+ min ago)/);
      await expect(row(dan).locator('.dot.online').count()).resolves.toBe(0);
      await expect(row(bob).locator('.dot.online').count()).resolves.toBe(1);
      await screenshot(a.page, 'group-panel');
      await expectAccessible(a.page, 'group panel, desktop, light');

      // Ada adds Carl: live in Bob's header and timeline, and in Ada's panel.
      await panel.getByRole('button', { name: 'Add people' }).click();
      await panel.getByLabel('Find people to add').fill(carl.username);
      // People already in the group are not offered.
      await panel.getByRole('button', { name: `Carl Weiss @${carl.username} Add` }).click();
      await expect.poll(() => row(carl).count()).toBe(1);
      await expect.poll(() => subtitle(b.page).innerText()).toMatch(/^4 members/);
      await expect.poll(() => systemMessages(b.page)).toContainEqual(expect.stringContaining('Ada Lovelace added Carl Weiss'));
      await expect.poll(() => systemMessages(a.page)).toContainEqual(expect.stringContaining('You added Carl Weiss'));
      await panel.getByLabel('Find people to add').fill(bob.username);
      await expect.poll(() => panel.getByRole('list', { name: 'People to add' }).innerText()).toContain('Nobody else by that name.');
      await panel.getByRole('button', { name: 'Done adding' }).click();

      const c = await open(carl);
      await openChat(c.page, 'Book club');

      // Rename: Escape in the field gives up the rename only; the API's refusal shows in place; a good title reaches Bob's header live.
      await panel.getByRole('button', { name: 'Rename' }).click();
      await a.page.keyboard.press('Escape');
      await expect.poll(() => panel.getByLabel('New group name').count()).toBe(0);
      expect(await panel.isVisible()).toBe(true);
      await expect.poll(() => a.page.evaluate(() => document.activeElement?.id)).toBe('group-rename');
      await panel.getByRole('button', { name: 'Rename' }).click();
      const titleInput = panel.getByLabel('New group name');
      await titleInput.fill('   ');
      await panel.getByRole('button', { name: 'Save' }).click();
      await panel.getByRole('alert').filter({ hasText: /title/i }).waitFor();
      expect(await titleInput.getAttribute('aria-invalid')).toBe('true');
      await titleInput.fill('Readers');
      await panel.getByRole('button', { name: 'Save' }).click();
      await b.page.getByRole('heading', { name: 'Readers', level: 2 }).waitFor();
      await expect.poll(() => systemMessages(b.page)).toContainEqual(expect.stringContaining('Ada Lovelace renamed the group to “Readers”'));
      await a.page.getByRole('heading', { name: 'Readers', level: 2 }).waitFor();

      // Bob is not the owner: no Remove buttons. Escape closes, focus back on the opener.
      const bobsPanel = await openPanel(b.page);
      await bobsPanel.getByRole('list', { name: 'Members' }).getByRole('listitem').filter({ hasText: 'Carl Weiss' }).waitFor();
      expect(await bobsPanel.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
      expect(await panel.getByRole('button', { name: /^Remove/ }).count()).toBe(3);
      await b.page.keyboard.press('Escape');
      await expect.poll(() => bobsPanel.isVisible()).toBe(false);
      await expect.poll(() => b.page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Group info');

      // Ada removes Carl, after a confirm (Cancel first keeps him).
      await panel.getByRole('button', { name: 'Remove Carl Weiss' }).click();
      await panel.getByRole('button', { name: 'Cancel' }).click();
      expect(await row(carl).count()).toBe(1);
      await panel.getByRole('button', { name: 'Remove Carl Weiss' }).click();
      await panel.getByText('Remove Carl Weiss from the group?').waitFor();
      await panel.getByRole('button', { name: 'Yes, remove' }).click();
      await expect.poll(() => row(carl).count()).toBe(0);

      // Carl's open chat says so, with no message box; the chat leaves his list.
      await c.page.getByText('You were removed from this group.').waitFor();
      expect(await c.page.getByRole('textbox').count()).toBe(0);
      expect(await c.page.getByRole('button', { name: 'Group info' }).count()).toBe(0);
      await expect.poll(() => c.page.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: /Readers/ }).count()).toBe(0);
      await c.page.getByRole('heading', { name: 'Readers', level: 2 }).waitFor();
      await screenshot(c.page, 'group-removed');
      await expectAccessible(c.page, 'removed from a group');
      // Bob's header and timeline drop Carl live.
      await expect.poll(() => subtitle(b.page).innerText()).toMatch(/^3 members/);
      await expect.poll(() => systemMessages(b.page)).toContainEqual(expect.stringContaining('Ada Lovelace removed Carl Weiss'));
      await expect.poll(() => subtitle(a.page).innerText()).toMatch(/^3 members/);

      // Bob leaves, after a confirm: back to his list, without the chat; Ada sees him go.
      const bobsPanelAgain = await openPanel(b.page);
      await bobsPanelAgain.getByRole('button', { name: 'Leave group' }).click();
      await bobsPanelAgain.getByText(/Leave “Readers”\?/).waitFor();
      await bobsPanelAgain.getByRole('button', { name: 'Yes, leave' }).click();
      await expect.poll(() => new URL(b.page.url()).hash).toBe('#/');
      await expect.poll(() => b.page.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: /Readers/ }).count()).toBe(0);
      expect(await b.page.getByRole('textbox', { name: /Message/ }).count()).toBe(0);
      await expect.poll(() => b.page.evaluate(() => document.activeElement?.id)).toBe('chat-list-heading');
      await expect.poll(() => row(bob).count()).toBe(0);
      await expect.poll(() => subtitle(a.page).innerText()).toBe('2 members, 1 online');
      await expect.poll(() => systemMessages(a.page)).toContainEqual(expect.stringContaining('Bob Stone left'));
      // Nothing was sent into the void: no failed message with a Retry anywhere.
      for (const page of [a.page, b.page, c.page]) expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0);

      for (const o of [a, b, c]) noProblems(o);
    });

    it("a direct chat's header says online or when the other person was last seen, and follows them live", async () => {
      const [ada, dan] = await Promise.all(['Ada Lovelace', 'Dan Later'].map(person));
      await seenOnceThenGone(dan);
      const chat = await server.ok(`mutation ($id: ID!) { createDirectChat(userId: $id) { id } }`, { id: dan.id }, ada.token);
      const a = await open(ada, { at: `#/chats/${chat.createDirectChat.id}` });
      await a.page.getByRole('heading', { name: 'Dan Later', level: 2 }).waitFor();
      await expect.poll(() => subtitle(a.page).innerText()).toMatch(/^last seen (just now|\d+ min ago)$/);
      const d = await open(dan);
      await expect.poll(() => subtitle(a.page).innerText()).toBe('online');
      await d.context.close();
      await expect.poll(() => subtitle(a.page).innerText(), { timeout: 10_000 }).toBe('last seen just now');
      noProblems(a);
    });

    it('a group someone was removed from while elsewhere says so when opened, with no message box, and leaves their list', async () => {
      const [ada, bob] = await Promise.all(['Ada Lovelace', 'Bob Stone'].map(person));
      const chatId = await group(ada, 'Quiet room', [bob]);
      const b = await open(bob);
      const link = b.page.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: /Quiet room/ });
      await link.waitFor();
      // chatUpdated tells the removed nothing: the list still has it until it is opened.
      await server.ok(`mutation ($c: ID!, $u: ID!) { removeMember(chatId: $c, userId: $u) { id } }`, { c: chatId, u: bob.id }, ada.token);
      await link.click();
      await b.page.getByRole('alert').getByText('You are not a member of this chat').waitFor();
      expect(await b.page.getByRole('textbox').count()).toBe(0);
      await expect.poll(() => link.count()).toBe(0);
      noProblems(b);
    });

    it('the group panel is a keyboard-usable dialog with 0 axe violations, light and dark, desktop and phone', async () => {
      const [ada, bob, cy] = await Promise.all(['Ada Lovelace', 'Bob Stone', 'Cy Young'].map(person));
      await seenOnceThenGone(cy);
      const chatId = await group(ada, 'Night owls', [bob, cy]);
      for (const [viewport, colorScheme] of [
        [DESKTOP, 'dark'],
        [PHONE, 'light'],
        [PHONE, 'dark'],
      ] as const) {
        const o = await open(ada, { viewport, colorScheme, at: `#/chats/${chatId}` });
        await o.page.getByRole('heading', { name: 'Night owls', level: 2 }).waitFor();
        await expect.poll(() => subtitle(o.page).innerText()).toBe('3 members, 1 online');
        if (viewport === PHONE && colorScheme === 'light') await screenshot(o.page, 'phone-group-chat');
        const opener = o.page.getByRole('button', { name: 'Group info' });
        await opener.focus();
        await o.page.keyboard.press('Enter');
        const panel = o.page.getByRole('dialog', { name: 'Group info' });
        await panel.waitFor();
        await panel.getByRole('list', { name: 'Members' }).getByText(/last seen/).waitFor();
        const size = await panel.boundingBox();
        if (viewport === PHONE) expect(size?.width).toBe(PHONE.width);
        else expect(size!.width).toBeLessThan(DESKTOP.width / 2);
        // Tab stays inside the panel.
        for (let i = 0; i < 12; i++) {
          await o.page.keyboard.press('Tab');
          expect(await o.page.evaluate(() => !!document.activeElement?.closest('dialog'))).toBe(true);
        }
        // A confirm open is part of the screen too.
        await panel.getByRole('button', { name: 'Leave group' }).click();
        await expectAccessible(o.page, `group panel, ${viewport === PHONE ? 'phone' : 'desktop'}, ${colorScheme}`);
        if (viewport === PHONE && colorScheme === 'light') await screenshot(o.page, 'phone-group-panel');
        await o.page.keyboard.press('Escape');
        await expect.poll(() => panel.isVisible()).toBe(false);
        await expect.poll(() => o.page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Group info');
        noProblems(o);
        await o.context.close();
      }
    });
  });
});
