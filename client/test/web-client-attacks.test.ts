import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIST } from '../../server/src/http/web-client.js';
import { launchChromium, requireBundle, skipWithoutChromium } from '../../server/test/support/browser.js';
import { DESKTOP, expectAccessible, openClient, PASSWORD, PHONE, type Opened, type OpenOptions } from './support/web-client.js';
import { TestServer } from '../../server/test/support/server.js';
import { pgliteTarget } from '../../server/test/support/targets.js';
import { send, uniqueName, type TestUser } from '../../server/test/support/users.js';

/**
 * The web client as someone would attack it from outside: names and titles
 * made to break the layout, long messages with links folded away, a member
 * removed while their tab stays open, chats switched from under a focused
 * message box. Each case is a defect found that way, kept from coming back.
 */

interface Person extends TestUser {
  displayName: string;
}

describe.skipIf(requireBundle('client', WEB_DIST, 'web client'))('web client: attacks from outside', () => {
  let server: TestServer;
  let origin: string;
  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget);
    origin = `http://127.0.0.1:${server.parley.port}`;
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function person(displayName: string, prefix = 'atk'): Promise<Person> {
    const data = await server.ok(
      `mutation ($u: String!, $p: String!, $d: String) { signup(username: $u, password: $p, displayName: $d) { token user { id username } } }`,
      { u: uniqueName(prefix), p: PASSWORD, d: displayName },
    );
    return { id: data.signup.user.id, username: data.signup.user.username, token: data.signup.token, displayName };
  }

  async function group(owner: Person, title: string, members: Person[]): Promise<string> {
    const data = await server.ok(
      `mutation ($t: String!, $m: [ID!]!) { createGroupChat(title: $t, memberIds: $m) { id } }`,
      { t: title, m: members.map((m) => m.id) },
      owner.token,
    );
    return data.createGroupChat.id;
  }

  describe.skipIf(skipWithoutChromium('web client: attacks'))('in Chromium', () => {
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
      if (!options.at) await o.page.getByRole('button', { name: 'New chat' }).first().waitFor();
      return o;
    }

    /** The buttons and fields inside `selector` that reach past the viewport's right edge (or start left of it). */
    const offScreen = (page: Page, selector: string) =>
      page.evaluate((sel) => {
        const width = document.documentElement.clientWidth;
        const root = document.querySelector(sel);
        return [...(root?.querySelectorAll('button, input, a') ?? [])]
          .filter((el) => {
            const r = el.getBoundingClientRect();
            return r.width > 0 && (r.right > width + 1 || r.left < -1);
          })
          .map((el) => `${el.tagName} "${(el.textContent ?? '').trim().slice(0, 24)}"`);
      }, selector);

    it('long unbroken names and group titles stay inside the group panel and the New chat dialog, at desktop and phone sizes', async () => {
      const long = (prefix: string) => `${prefix}${'W'.repeat(60)}`;
      const ada = await person(long('Ada'), 'wide');
      const bob = await person(long('Bob'), 'wide');
      // Someone to add: the Add people list shows a button for her.
      const cleo = await person(long('Cleo'), 'widecand');
      const chatId = await group(ada, `Club${'Q'.repeat(90)}`, [bob]);

      for (const viewport of [DESKTOP, PHONE]) {
        const size = viewport === PHONE ? 'phone' : 'desktop';
        const a = await open(ada, { at: `#/chats/${chatId}`, viewport });
        await a.page.getByRole('button', { name: 'Group info' }).click();
        const panel = a.page.getByRole('dialog', { name: 'Group info' });
        await panel.getByRole('list', { name: 'Members' }).getByRole('listitem').filter({ hasText: 'Bob' }).waitFor();
        await panel.getByRole('button', { name: 'Add people' }).click();
        await panel.getByLabel('Find people to add').fill(cleo.username);
        await panel.getByRole('button', { name: new RegExp(cleo.username) }).waitFor();
        // Close, Rename, Add and Remove were pushed past the right edge (off the phone's screen entirely).
        expect(await offScreen(a.page, 'dialog.group-panel'), `group panel, ${size}`).toEqual([]);
        // The candidate's button: its name holds what it shows (axe's label-content-name-mismatch).
        await expectAccessible(a.page, `group panel adding people, ${size}`);
        await a.page.keyboard.press('Escape');

        await a.page.goto(`${origin}/#/`);
        await a.page.getByRole('button', { name: 'New chat' }).first().click();
        const dialog = a.page.getByRole('dialog', { name: 'New chat' });
        await dialog.getByLabel('Find people').fill(cleo.username);
        const pick = dialog.getByRole('button', { name: new RegExp(cleo.username) });
        await pick.waitFor();
        // The row's "Message" stays inside the dialog rather than beyond its edge.
        const inside = await pick.evaluate((button) => {
          const box = button.closest('dialog')!.getBoundingClientRect();
          const action = button.querySelector('.person-action')!.getBoundingClientRect();
          return action.right <= box.right && action.left >= box.left;
        });
        expect(inside, `New chat dialog, ${size}`).toBe(true);
        expect(a.problems).toEqual([]);
        await a.context.close();
      }
    });

    it('tabbing to a link in the folded part of a long message unfolds it instead of scrolling its start out of reach', async () => {
      const ada = await person('Ada Fold');
      const bob = await person('Bob Fold');
      const chatId = await group(ada, 'Folded', [bob]);
      const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n');
      await send(server, bob, chatId, `${lines}\nhttps://example.com/at-the-end`);
      const a = await open(ada, { at: `#/chats/${chatId}` });
      const body = a.page.locator('.message .body').filter({ hasText: 'line 1' });
      await expect.poll(() => body.evaluate((p) => p.classList.contains('folded'))).toBe(true);

      await a.page.getByRole('region', { name: 'Messages' }).getByRole('link', { name: 'https://example.com/at-the-end' }).focus();
      // Unfolded, and its first line still where it was: nothing scrolled inside the clipped paragraph.
      await expect.poll(() => body.evaluate((p) => p.classList.contains('folded'))).toBe(false);
      expect(await body.evaluate((p) => p.scrollTop)).toBe(0);
      await expect.poll(() => a.page.getByRole('button', { name: 'Show less' }).count()).toBe(1);
      expect(a.problems).toEqual([]);
    });

    it('someone removed from a group while their tab is open is offered no reply, edit or delete there', async () => {
      const ada = await person('Ada Owner');
      const cat = await person('Cat Removed');
      const chatId = await group(ada, 'Soon without Cat', [cat]);
      await send(server, cat, chatId, 'my own words');
      await send(server, ada, chatId, 'the owner speaks');
      const c = await open(cat, { at: `#/chats/${chatId}` });
      const messages = c.page.getByRole('region', { name: 'Messages' });
      await messages.getByText('the owner speaks').waitFor();
      // While a member: the actions are there.
      await expect.poll(() => messages.getByRole('button', { name: /actions/i }).count()).toBeGreaterThan(0);

      await server.ok(`mutation ($c: ID!, $u: ID!) { removeMember(chatId: $c, userId: $u) { id } }`, { c: chatId, u: cat.id }, ada.token);
      await c.page.getByText('You were removed from this group.').waitFor();
      // Every one of them would fail ("This message no longer exists." for an edit); a reply had no box to go to.
      await expect.poll(() => messages.getByRole('button', { name: /actions/i }).count()).toBe(0);
      expect(c.problems).toEqual([]);
    });

    it('opening another chat while the message box has focus logs no warning about stale state', async () => {
      const ada = await person('Ada Switch');
      const bob = await person('Bob Switch');
      const first = await group(ada, 'First room', [bob]);
      const second = await group(ada, 'Second room', [bob]);
      await send(server, bob, first, 'hello in the first');
      await send(server, bob, second, 'hello in the second');
      const a = await open(ada, { at: `#/chats/${first}` });
      const warnings: string[] = [];
      a.page.on('console', (message) => {
        if (message.type() === 'warning') warnings.push(message.text());
      });
      const box = a.page.getByRole('textbox', { name: /^Message/ });
      await box.click();
      await box.pressSequentially('typing here');
      // As a search result, a notification or the browser's Back would: the address changes under the focused box.
      await a.page.evaluate((id) => (location.hash = `#/chats/${id}`), second);
      await a.page.getByRole('heading', { name: 'Second room', level: 2 }).waitFor();
      await a.page.getByRole('region', { name: 'Messages' }).getByText('hello in the second').waitFor();
      await a.page.evaluate((id) => (location.hash = `#/chats/${id}`), first);
      await a.page.getByRole('heading', { name: 'First room', level: 2 }).waitFor();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(warnings.filter((w) => w.includes('svelte'))).toEqual([]);
      expect(a.problems).toEqual([]);
    });

    it('a chat address that is made up or mistyped says the chat could not be found, in words, with no message box to send into', async () => {
      const ada = await person('Ada Lost');
      const a = await open(ada);
      for (const id of ['not-a-chat', '00000000-0000-4000-8000-000000000000']) {
        await a.page.evaluate((chatId) => (location.hash = `#/chats/${chatId}`), id);
        await a.page.getByRole('alert').filter({ hasText: 'This chat could not be found.' }).waitFor();
        // Was "chatId is not a valid id" (the API's words) above a message box whose sends could only fail.
        expect(await a.page.getByText('not a valid id').count()).toBe(0);
        expect(await a.page.getByRole('textbox', { name: /^Message/ }).count()).toBe(0);
      }
      expect(a.problems).toEqual([]);
      expect(a.consoleErrors).toEqual([]);
    });

    it("your own deleted message's placeholder can be read on your bubble: 0 axe violations, light and dark", async () => {
      const ada = await person('Ada Deletes');
      const bob = await person('Bob Reads');
      const chatId = await group(ada, 'Deleted words', [bob]);
      const { messageId } = await send(server, ada, chatId, 'soon gone');
      await send(server, bob, chatId, 'still here');
      await server.ok(`mutation ($m: ID!) { deleteMessage(messageId: $m) { id } }`, { m: messageId }, ada.token);
      for (const colorScheme of ['light', 'dark'] as const) {
        const a = await open(ada, { at: `#/chats/${chatId}`, colorScheme });
        await a.page.getByRole('region', { name: 'Messages' }).getByText('Message deleted').waitFor();
        // Was the muted grey on the teal bubble: 1.16:1 light, 3.24:1 dark (axe color-contrast, serious).
        await expectAccessible(a.page, `own deleted message, ${colorScheme}`);
        await a.context.close();
      }
    });

    it('a message that failed while the browser was offline is sent by itself once it is back online, once', async () => {
      const ada = await person('Ada Offline');
      const bob = await person('Bob Online');
      const chatId = await group(ada, 'Blip', [bob]);
      await send(server, bob, chatId, 'are you there?');
      const a = await open(ada, { at: `#/chats/${chatId}` });
      const messages = a.page.getByRole('region', { name: 'Messages' });
      await messages.getByText('are you there?').waitFor();
      // The network goes for a moment; the socket outlives it (no reconnection follows), the send does not.
      await a.context.setOffline(true);
      await a.page.getByRole('textbox', { name: /^Message/ }).fill('sent in the blip');
      await a.page.keyboard.press('Enter');
      await messages.getByText('Not sent: no connection').waitFor();
      await a.context.setOffline(false);
      // Was: "Not sent" until Retry was pressed by hand.
      await expect.poll(() => messages.getByText('Not sent: no connection').count(), { timeout: 10_000 }).toBe(0);
      await expect
        .poll(async () => {
          const data = await server.ok(`query ($c: ID!) { messages(chatId: $c, last: 10) { edges { node { body } } } }`, { c: chatId }, bob.token);
          return data.messages.edges.map((e: { node: { body: string } }) => e.node.body);
        })
        .toEqual(['are you there?', 'sent in the blip']);
      expect(await messages.getByText('sent in the blip').count()).toBe(1);
      expect(a.problems).toEqual([]);
    });

    it('opened at the first of many unread messages, Jump to latest counts the new ones below that are not loaded yet', async () => {
      const ada = await person('Ada Away');
      const bob = await person('Bob Chatty');
      const chatId = await group(ada, 'While you were away', [bob]);
      await send(server, ada, chatId, 'see you later');
      for (let i = 1; i <= 45; i++) await send(server, bob, chatId, `news ${i}`);
      const a = await open(ada, { at: `#/chats/${chatId}` });
      await a.page.getByTestId('unread-divider').waitFor();
      const jump = a.page.getByRole('button', { name: /^Jump to latest/ });
      // 45 unread, the first page loaded below the divider: was "Jump to latest" with no count at all.
      // (Reading the first screenful lowers it as it goes; past the 15 beyond the loaded window either way.)
      await expect.poll(async () => Number(/(\d+) new/.exec(await jump.innerText())?.[1] ?? 0)).toBeGreaterThan(15);
      await jump.click();
      await a.page.getByRole('region', { name: 'Messages' }).getByText('news 45', { exact: true }).waitFor();
      await expect.poll(() => jump.count()).toBe(0);
      expect(a.problems).toEqual([]);
    });

    it("someone else signing in after a log out in the same tab starts on their chat list, not in the last person's chat", async () => {
      const ada = await person('Ada Leaves');
      const bob = await person('Bob Private');
      const cat = await person('Cat Next');
      const chatId = await group(ada, 'Ada and Bob only', [bob]);
      await send(server, bob, chatId, 'between us');
      const a = await open(ada, { at: `#/chats/${chatId}` });
      await a.page.getByRole('region', { name: 'Messages' }).getByText('between us').waitFor();
      await a.page.getByRole('button', { name: 'Log out' }).click();
      await a.page.getByLabel('Username').fill(cat.username);
      await a.page.getByLabel('Password').fill(PASSWORD);
      await a.page.getByRole('button', { name: 'Sign in' }).click();
      await a.page.getByRole('button', { name: 'New chat' }).first().waitFor();
      // Was: Ada's chat address kept, and Cat greeted with "You are not a member of this chat".
      await expect.poll(() => a.page.evaluate(() => location.hash)).toMatch(/^(#\/?)?$/);
      expect(await a.page.getByText('You are not a member of this chat').count()).toBe(0);
      expect(a.problems).toEqual([]);
    });

    it('Enter in the New chat group search adds the person found rather than creating the group without them; Enter on an empty search creates it', async () => {
      const ada = await person('Ada Keys');
      const bob = await person('Bob Keys');
      const cat = await person('Cat Keys');
      const a = await open(ada);
      await a.page.getByRole('button', { name: 'New chat' }).first().click();
      const dialog = a.page.getByRole('dialog', { name: 'New chat' });
      await dialog.getByRole('radio', { name: 'Group' }).check();
      await dialog.getByLabel('Group name').fill('Keyboard club');
      const search = dialog.getByLabel('Find people');
      for (const who of [bob, cat]) {
        await search.fill(who.username);
        await dialog.getByRole('checkbox', { name: new RegExp(who.username) }).waitFor();
        await search.press('Enter');
        // Was: the group created there and then, with whoever had been ticked (nobody, the first time).
        await expect.poll(() => dialog.locator('.selected-people').innerText()).toContain(who.displayName);
        expect(await search.inputValue()).toBe('');
      }
      await search.press('Enter');
      await a.page.getByRole('heading', { name: 'Keyboard club', level: 2 }).waitFor();
      await expect.poll(() => a.page.getByTestId('chat-subtitle').innerText()).toMatch(/^3 members/);
      expect(a.problems).toEqual([]);
    });

    it('sends refused as too many at once go again by themselves when the server says they may, in order and once each', async () => {
      const limited = await TestServer.start(pgliteTarget, { SEND_RATE_LIMIT: '3/2s' });
      try {
        const signUp = async (name: string): Promise<Person> => {
          const data = await limited.ok(
            `mutation ($u: String!, $p: String!, $d: String) { signup(username: $u, password: $p, displayName: $d) { token user { id username } } }`,
            { u: uniqueName('flood'), p: PASSWORD, d: name },
          );
          return { id: data.signup.user.id, username: data.signup.user.username, token: data.signup.token, displayName: name };
        };
        const ada = await signUp('Ada Fast');
        const bob = await signUp('Bob Slow');
        const created = await limited.ok(`mutation ($t: String!, $m: [ID!]!) { createGroupChat(title: $t, memberIds: $m) { id } }`, { t: 'Flood', m: [bob.id] }, ada.token);
        const chatId: string = created.createGroupChat.id;
        const a = await openClient(browser, `http://127.0.0.1:${limited.parley.port}`, { user: ada, displayName: ada.displayName, at: `#/chats/${chatId}` });
        opened.push(a);
        const box = a.page.getByRole('textbox', { name: /^Message/ });
        const bodies = Array.from({ length: 7 }, (_, i) => `quick ${i + 1}`);
        for (const body of bodies) {
          await box.fill(body);
          await box.press('Enter');
        }
        const messages = a.page.getByRole('region', { name: 'Messages' });
        await messages.getByText(/Too many messages/).first().waitFor();
        // Was: each stayed "try again in 2 s" with a Retry to press, long after the 2 s.
        await expect.poll(() => messages.getByText(/Too many messages/).count(), { timeout: 15_000 }).toBe(0);
        // The last one may still be on its way once it no longer says "Too many messages".
        const stored = async () =>
          (await limited.ok(`query ($c: ID!) { messages(chatId: $c, last: 20) { edges { node { body } } } }`, { c: chatId }, bob.token)).messages.edges.map(
            (e: { node: { body: string } }) => e.node.body,
          );
        await expect.poll(stored, { timeout: 15_000 }).toEqual(bodies);
        await expect.poll(() => a.page.getByTestId('pending-message').count()).toBe(0);
        expect(await messages.locator('.message .body').allInnerTexts()).toEqual(bodies);
        expect(a.problems).toEqual([]);
      } finally {
        await limited.stop();
      }
    });
  });
});
