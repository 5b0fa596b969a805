import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIST } from '../../server/src/http/web-client.js';
import { launchChromium, requireBundle, skipWithoutChromium } from '../../server/test/support/browser.js';
import { DESKTOP, PHONE, expectAccessible, openClient, screenshot, type Opened, type OpenOptions } from './support/web-client.js';
import { TestServer } from '../../server/test/support/server.js';
import { pgliteTarget } from '../../server/test/support/targets.js';
import { directChat, send, signup, type TestUser } from '../../server/test/support/users.js';

/**
 * The web client's reading aids, in a real headless Chromium against a real
 * server: message text (links, emoji-only, Show more), the "New messages"
 * divider and opening at it, Jump to latest, desktop notifications, the
 * favicon's unread badge, and the phone list's main landmark.
 */

describe.skipIf(requireBundle('client', WEB_DIST, 'web client'))('web client: reading aids', () => {
  let server: TestServer;
  let origin: string;
  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget);
    origin = `http://127.0.0.1:${server.parley.port}`;
  });
  afterAll(async () => {
    await server?.stop();
  });

  const markRead = (user: TestUser, chatId: string, seq: number) =>
    server.ok(`mutation ($c: ID!, $s: Int!) { markRead(chatId: $c, seq: $s) { lastReadSeq } }`, { c: chatId, s: seq }, user.token);

  /** A conversation of `read` messages the reader has read, then `unread` from the other person. */
  async function chatWithUnread(read: number, unread: number) {
    const reader = await signup(server);
    const other = await signup(server);
    const chatId = await directChat(server, other, reader);
    for (let i = 1; i <= read; i++) await send(server, i % 3 === 0 ? reader : other, chatId, `Earlier message ${i}, already read.`);
    if (read > 0) await markRead(reader, chatId, read);
    for (let i = 1; i <= unread; i++) await send(server, other, chatId, `Unread message ${i}: something worth reading.`);
    return { reader, other, chatId, firstUnread: read + 1 };
  }

  const scrollState = (page: Page) =>
    page.locator('.messages').evaluate((el) => ({ top: el.scrollTop, max: el.scrollHeight - el.clientHeight, height: el.clientHeight }));

  /** Where the divider sits in the message list's viewport, in px from its top. */
  const dividerOffset = (page: Page) =>
    page.evaluate(() => {
      const divider = document.querySelector('[data-testid="unread-divider"]')!.getBoundingClientRect();
      return divider.top - document.querySelector('.messages')!.getBoundingClientRect().top;
    });

  describe.skipIf(skipWithoutChromium('web client reading aids'))('in Chromium', () => {
    let browser: Browser | null = null;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    const open = (options: OpenOptions = {}) => openClient(browser, origin, options);
    const noProblems = (opened: Opened) => expect(opened.problems).toEqual([]);

    it('makes http(s) links clickable and safe, leaves javascript: as text, shows emoji alone larger and folds a long message', async () => {
      const ada = await signup(server);
      const bob = await signup(server);
      const chatId = await directChat(server, ada, bob);
      await send(server, bob, chatId, 'Docs: https://example.org/guide?x=1. Not this: javascript:alert(1) <b>nor this</b>');
      await send(server, bob, chatId, '🎉🎉');
      await send(server, bob, chatId, 'Plain words 🎉');
      const long = Array.from({ length: 40 }, (_, i) => `Line ${i + 1} of a very long message.`).join('\n');
      await send(server, bob, chatId, long);
      const wide = `${'A long paragraph that is still short on a wide screen. '.repeat(14)}`.trim();
      await send(server, bob, chatId, wide);
      await markRead(ada, chatId, 5);

      const opened = await open({ user: ada, at: `#/chats/${chatId}` });
      try {
        const { page } = opened;
        const linkMessage = page.locator('.message[data-seq="1"] .body');
        await linkMessage.waitFor();
        const links = linkMessage.locator('a');
        expect(await links.count()).toBe(1);
        expect(await links.first().getAttribute('href')).toBe('https://example.org/guide?x=1');
        expect(await links.first().getAttribute('target')).toBe('_blank');
        expect(await links.first().getAttribute('rel')).toBe('noopener noreferrer');
        expect(await links.first().innerText()).toBe('https://example.org/guide?x=1');
        // javascript: and the markup are text, character for character.
        expect(await linkMessage.innerText()).toBe('Docs: https://example.org/guide?x=1. Not this: javascript:alert(1) <b>nor this</b>');
        expect(await page.locator('.messages a[href^="javascript"], .messages b').count()).toBe(0);

        const fontSize = (seq: number) =>
          page.locator(`.message[data-seq="${seq}"] .body`).evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
        expect(await fontSize(2)).toBeGreaterThanOrEqual((await fontSize(3)) * 2);
        expect(await fontSize(3)).toBe(await fontSize(1));

        const longBody = page.locator('.message[data-seq="4"] .body');
        const showMore = page.locator('.message[data-seq="4"]').getByRole('button', { name: 'Show more' });
        const heights = () => longBody.evaluate((el) => ({ shown: el.clientHeight, full: el.scrollHeight }));
        expect(await showMore.getAttribute('aria-expanded')).toBe('false');
        const folded = await heights();
        expect(folded.shown).toBeLessThan(folded.full / 2);
        // Folded, not cut: the whole text is still there for copying and screen readers.
        expect(await longBody.innerText()).toBe(long);
        await screenshot(page, 'message-bodies');
        await showMore.click();
        const showLess = page.locator('.message[data-seq="4"]').getByRole('button', { name: 'Show less' });
        expect(await showLess.getAttribute('aria-expanded')).toBe('true');
        const expanded = await heights();
        expect(expanded.shown).toBe(expanded.full);
        // From the keyboard too.
        await showLess.focus();
        await page.keyboard.press('Enter');
        expect(await showMore.getAttribute('aria-expanded')).toBe('false');
        expect((await heights()).shown).toBe(folded.shown);
        // Over 700 characters but under 12 lines at this width: nothing to fold, so no button.
        expect((await page.locator('.message[data-seq="5"] .body').innerText()).length).toBeGreaterThan(700);
        await expect.poll(() => page.locator('.message[data-seq="5"]').getByRole('button', { name: /Show (more|less)/ }).count()).toBe(0);
        expect(await page.locator('.message[data-seq="5"] .body').evaluate((el) => el.scrollHeight <= el.clientHeight)).toBe(true);
        await expectAccessible(page, 'message bodies');
        noProblems(opened);
      } finally {
        await opened.context.close();
      }

      // On a phone the same paragraph runs past 12 lines: folded, with Show more.
      const phone = await open({ user: ada, at: `#/chats/${chatId}`, viewport: PHONE });
      try {
        await phone.page.locator('.message[data-seq="5"]').getByRole('button', { name: 'Show more' }).waitFor();
        expect(await phone.page.locator('.message[data-seq="5"] .body').evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
        noProblems(phone);
      } finally {
        await phone.context.close();
      }
    });

    it('opens a chat at a New messages divider before the first unread message, which stays while the chat is open', async () => {
      const { reader, other, chatId, firstUnread } = await chatWithUnread(30, 20);
      const opened = await open({ user: reader, at: `#/chats/${chatId}` });
      try {
        const { page } = opened;
        const divider = page.getByTestId('unread-divider');
        await divider.waitFor();
        expect(await page.getByTestId('unread-divider').count()).toBe(1);
        expect(await divider.innerText()).toBe('New messages');
        // Right before the first unread message.
        expect(await divider.evaluate((el) => (el.nextElementSibling as HTMLElement).dataset.seq)).toBe(String(firstUnread));
        const previousMessageSeq = () =>
          divider.evaluate((el) => {
            let previous = el.previousElementSibling as HTMLElement | null;
            while (previous && !previous.dataset.seq) previous = previous.previousElementSibling as HTMLElement | null;
            return previous?.dataset.seq;
          });
        expect(await previousMessageSeq()).toBe(String(firstUnread - 1));
        // Opened there, not at the end: the divider near the top of the list, and more below.
        await expect.poll(() => dividerOffset(page)).toBeGreaterThanOrEqual(0);
        expect(await dividerOffset(page)).toBeLessThan(80);
        const { top, max } = await scrollState(page);
        expect(max - top).toBeGreaterThan(200);

        // Reading to the end clears the unread badge; the divider stays put, and a new message does not move it.
        await page.getByRole('button', { name: /Jump to latest/ }).click();
        await expect.poll(() => page.getByRole('link', { name: new RegExp(other.username) }).getByTestId('unread-badge').count(), { timeout: 10_000 }).toBe(0);
        await send(server, other, chatId, 'One more while you are here.');
        await page.locator(`.message[data-seq="${firstUnread + 20}"]`).waitFor();
        expect(await page.getByTestId('unread-divider').count()).toBe(1);
        expect(await divider.evaluate((el) => (el.nextElementSibling as HTMLElement).dataset.seq)).toBe(String(firstUnread));
        noProblems(opened);
      } finally {
        await opened.context.close();
      }
    });

    it('opens at the divider also when more are unread than one page, and Jump to latest brings the newest page', async () => {
      const { reader, chatId, firstUnread } = await chatWithUnread(10, 40);
      const opened = await open({ user: reader, at: `#/chats/${chatId}` });
      try {
        const { page } = opened;
        const divider = page.getByTestId('unread-divider');
        await divider.waitFor();
        expect(await divider.evaluate((el) => (el.nextElementSibling as HTMLElement).dataset.seq)).toBe(String(firstUnread));
        await expect.poll(() => dividerOffset(page)).toBeGreaterThanOrEqual(0);
        expect(await dividerOffset(page)).toBeLessThan(80);
        // The window stops short of the newest message: the button is there to get to it.
        expect(await page.locator('.message[data-seq="50"]').count()).toBe(0);
        const jump = page.getByRole('button', { name: /Jump to latest/ });
        await jump.click();
        await page.locator('.message[data-seq="50"]').waitFor();
        await expect.poll(async () => {
          const { top, max } = await scrollState(page);
          return max - top;
        }).toBeLessThan(2);
        await jump.waitFor({ state: 'detached' });
        noProblems(opened);
      } finally {
        await opened.context.close();
      }
    });

    it('opens at the end, with no divider, when everything has been read', async () => {
      const { reader, chatId } = await chatWithUnread(30, 0);
      const opened = await open({ user: reader, at: `#/chats/${chatId}` });
      try {
        const { page } = opened;
        await page.locator('.message[data-seq="30"]').waitFor();
        await expect.poll(async () => {
          const { top, max } = await scrollState(page);
          return max - top;
        }).toBeLessThan(2);
        expect(await page.getByTestId('unread-divider').count()).toBe(0);
        expect(await page.getByRole('button', { name: /Jump to latest/ }).count()).toBe(0);
      } finally {
        await opened.context.close();
      }
    });

    it('offers Jump to latest when scrolled up, counts messages from the other person that arrive meanwhile, and takes you down', async () => {
      const { reader, other, chatId } = await chatWithUnread(30, 0);
      const opened = await open({ user: reader, at: `#/chats/${chatId}` });
      try {
        const { page } = opened;
        await page.locator('.message[data-seq="30"]').waitFor();
        const jump = page.getByRole('button', { name: /Jump to latest/ });
        // At the bottom: no button.
        await expect.poll(async () => (await scrollState(page)).max - (await scrollState(page)).top).toBeLessThan(2);
        expect(await jump.count()).toBe(0);

        // Scrolled up: the button, with no count yet.
        await page.locator('.messages').hover();
        await page.mouse.wheel(0, -1500);
        await jump.waitFor();
        expect((await jump.innerText()).trim()).toBe('Jump to latest');
        const topWhileAway = (await scrollState(page)).top;

        // Three messages from the other person arrive below: counted, and the reader is not pulled down.
        for (let i = 1; i <= 3; i++) await send(server, other, chatId, `Live message ${i}`);
        await page.locator('.message[data-seq="33"]').waitFor();
        await expect.poll(() => jump.innerText()).toMatch(/Jump to latest\s*3 new/);
        expect(Math.abs((await scrollState(page)).top - topWhileAway)).toBeLessThan(2);
        await screenshot(page, 'jump-to-latest');

        // From the keyboard: Shift+Tab from the message box reaches it, Enter takes you to the end; it goes away.
        await page.getByRole('textbox', { name: /^Message / }).focus();
        await page.keyboard.press('Shift+Tab');
        await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains('jump-latest'))).toBe(true);
        await page.keyboard.press('Enter');
        await jump.waitFor({ state: 'detached' });
        const { top, max } = await scrollState(page);
        expect(max - top).toBeLessThan(2);
        // Focus stays in the messages rather than falling to the page.
        await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Messages');
        // The last live message is on screen.
        expect(await page.locator('.message[data-seq="33"]').isVisible()).toBe(true);

        // Scrolled away again, the count starts from zero: only what arrives after that.
        await page.mouse.wheel(0, -1500);
        await jump.waitFor();
        await send(server, other, chatId, 'Live message 4');
        await expect.poll(() => jump.innerText()).toMatch(/1 new/);
        await jump.click();
        await jump.waitFor({ state: 'detached' });
        noProblems(opened);
      } finally {
        await opened.context.close();
      }
    });

    for (const viewport of [DESKTOP, PHONE]) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const size = viewport === DESKTOP ? 'desktop' : 'phone';
        it(`has no axe violations on a chat with the divider and Jump to latest (${size}, ${colorScheme})`, async () => {
          const { reader, other, chatId } = await chatWithUnread(12, 20);
          await send(server, other, chatId, 'See https://example.org/a-link for details.');
          await send(server, other, chatId, '👍');
          const opened = await open({ user: reader, at: `#/chats/${chatId}`, viewport, colorScheme });
          try {
            const { page } = opened;
            await page.getByTestId('unread-divider').waitFor();
            await page.getByRole('button', { name: /Jump to latest/ }).waitFor();
            await send(server, other, chatId, 'And one more below.');
            await expect.poll(() => page.getByRole('button', { name: /Jump to latest/ }).innerText()).toMatch(/1 new/);
            await screenshot(page, `reading-${size}-${colorScheme}`);
            await expectAccessible(page, `chat with divider and Jump to latest (${size}, ${colorScheme})`);
            noProblems(opened);
          } finally {
            await opened.context.close();
          }
        });
      }
    }

    /**
     * Headless Chromium has no notification centre to look at, so what the app
     * shows is observed by replacing window.Notification with a recording
     * stub (before the app loads). The stub starts at "default", asks the real
     * API on requestPermission (granted to this context), and records every
     * notification created and every window.focus().
     */
    const recordNotifications = () => {
      const Real = window.Notification;
      const record = { asked: 0, focused: 0, shown: [] as { title: string; body?: string; tag?: string }[] };
      let permission: NotificationPermission = 'default';
      let last: { onclick: (() => void) | null } | null = null;
      class RecordingNotification {
        onclick: (() => void) | null = null;
        static get permission() {
          return permission;
        }
        static async requestPermission() {
          record.asked += 1;
          permission = await Real.requestPermission();
          return permission;
        }
        constructor(title: string, options: NotificationOptions = {}) {
          record.shown.push({ title, body: options.body, tag: options.tag });
          // eslint-disable-next-line @typescript-eslint/no-this-alias
          last = this;
        }
        close() {}
      }
      Object.defineProperty(window, 'Notification', { value: RecordingNotification, configurable: true, writable: true });
      const focus = window.focus.bind(window);
      window.focus = () => {
        record.focused += 1;
        focus();
      };
      Object.assign(window, { notificationRecord: record, clickLastNotification: () => last?.onclick?.() });
    };
    type Recorded = { asked: number; focused: number; shown: { title: string; body?: string; tag?: string }[] };
    const recorded = (page: Page) => page.evaluate(() => (window as unknown as { notificationRecord: Recorded }).notificationRecord);

    it('notifies, once turned on, of messages in chats not in view, and a click opens that chat', async () => {
      const ada = await signup(server);
      const bob = await signup(server);
      const carol = await signup(server);
      const withBob = await directChat(server, bob, ada);
      const withCarol = await directChat(server, carol, ada);
      await send(server, bob, withBob, 'Hello Ada');
      await markRead(ada, withBob, 1);

      const opened = await open({ user: ada, at: `#/chats/${withBob}`, displayName: 'Ada' });
      try {
        const { page, context } = opened;
        await context.grantPermissions(['notifications'], { origin });
        await context.addInitScript(recordNotifications);
        await page.reload();
        await page.locator('.message[data-seq="1"]').waitFor();

        // Nothing is asked of the browser until the reader chooses to.
        const turnOn = page.getByRole('button', { name: 'Turn on notifications' });
        await turnOn.waitFor();
        expect((await recorded(page)).asked).toBe(0);
        await turnOn.click();
        await page.getByRole('button', { name: 'Turn off notifications' }).waitFor();
        expect((await recorded(page)).asked).toBe(1);
        expect(await page.evaluate(() => localStorage.getItem('parley.notifications'))).toBe('on');

        // A message in the open, visible chat: shown in the chat, no notification.
        await send(server, bob, withBob, 'You are looking at this one');
        await page.locator('.message[data-seq="2"]').waitFor();
        // A message in another chat: a notification with the sender and the text.
        await send(server, carol, withCarol, 'Are you free at noon?');
        await expect.poll(async () => (await recorded(page)).shown.length).toBe(1);
        const [shown] = (await recorded(page)).shown;
        expect(shown).toEqual({ title: carol.username, body: 'Are you free at noon?', tag: withCarol });
        // Bob's chatUpdated came before Carol's: had it notified, it would be recorded by now.
        expect((await recorded(page)).shown.filter((n) => n.tag === withBob)).toEqual([]);

        // While the tab is hidden, the open chat notifies too.
        await page.evaluate(() => {
          Object.defineProperty(document, 'visibilityState', { get: () => 'hidden', configurable: true });
        });
        await send(server, bob, withBob, 'Still there?');
        await expect.poll(async () => (await recorded(page)).shown.map((n) => n.tag)).toEqual([withCarol, withBob]);
        await page.evaluate(() => {
          Object.defineProperty(document, 'visibilityState', { get: () => 'visible', configurable: true });
        });

        // Clicking the newest (Bob's) then Carol's: focus the window and open that chat.
        await send(server, carol, withCarol, 'Noon then.');
        await expect.poll(async () => (await recorded(page)).shown.length).toBe(3);
        await page.evaluate(() => (window as unknown as { clickLastNotification(): void }).clickLastNotification());
        await page.getByRole('heading', { name: carol.username, level: 2 }).waitFor();
        expect(page.url()).toContain(`#/chats/${encodeURIComponent(withCarol)}`);
        expect((await recorded(page)).focused).toBeGreaterThanOrEqual(1);

        // Turned off: no more notifications, and the choice is kept.
        await page.getByRole('button', { name: 'Turn off notifications' }).click();
        await page.getByRole('button', { name: 'Turn on notifications' }).waitFor();
        expect(await page.evaluate(() => localStorage.getItem('parley.notifications'))).toBe('off');
        await page.getByRole('link', { name: new RegExp(bob.username) }).click();
        await page.getByRole('heading', { name: bob.username, level: 2 }).waitFor();
        await send(server, carol, withCarol, 'Off now');
        await page.getByRole('link', { name: new RegExp(carol.username) }).getByText('Off now').waitFor();
        expect((await recorded(page)).shown).toHaveLength(3);
        await expectAccessible(page, 'chat list with the notification setting');
        noProblems(opened);
      } finally {
        await opened.context.close();
      }
    });

    it('puts the unread count on the favicon', async () => {
      const ada = await signup(server);
      const bob = await signup(server);
      const chatId = await directChat(server, bob, ada);
      const opened = await open({ user: ada });
      try {
        const { page } = opened;
        const href = () => page.locator('link[rel="icon"]').getAttribute('href');
        const count = async () => {
          const value = (await href()) ?? '';
          if (!value.startsWith('data:image/svg+xml,')) return value;
          return />([\d+]+)<\/text>/.exec(decodeURIComponent(value.slice('data:image/svg+xml,'.length)))?.[1] ?? value;
        };
        await page.getByRole('button', { name: 'New chat' }).first().waitFor();
        const plain = await href();
        expect(plain).toMatch(/^\/assets\/favicon-[\w-]+\.svg$/);
        await send(server, bob, chatId, 'one');
        await expect.poll(count).toBe('1');
        await send(server, bob, chatId, 'two');
        await expect.poll(count).toBe('2');
        // The badged icon is a well-formed SVG the browser can draw.
        const drawn = await page.evaluate(async (src) => {
          const img = new Image();
          img.src = src;
          await img.decode();
          return img.naturalWidth > 0;
        }, (await href())!);
        expect(drawn).toBe(true);
        // Reading the chat takes the badge off.
        await page.getByRole('link', { name: new RegExp(bob.username) }).click();
        await expect.poll(href, { timeout: 10_000 }).toBe(plain);
        noProblems(opened);
      } finally {
        await opened.context.close();
      }
    });

    it('has exactly one main landmark on the phone list, in a phone chat and on desktop', async () => {
      const ada = await signup(server);
      const bob = await signup(server);
      const chatId = await directChat(server, ada, bob);
      await send(server, bob, chatId, 'Hi from the phone test');

      for (const colorScheme of ['light', 'dark'] as const) {
        const phone = await open({ user: ada, viewport: PHONE, colorScheme });
        try {
          const { page } = phone;
          const chatLink = page.getByRole('link', { name: new RegExp(bob.username) });
          await chatLink.waitFor();
          // The visible list is the main content; the hidden chat pane is not a second main.
          expect(await page.getByRole('main').count()).toBe(1);
          expect(await page.getByRole('main').getByRole('link', { name: new RegExp(bob.username) }).count()).toBe(1);
          expect(await page.locator('main:not([hidden]), [role="main"]:not([hidden])').count()).toBe(1);
          await expectAccessible(page, `phone chat list (${colorScheme})`);
          await screenshot(page, `phone-list-landmark-${colorScheme}`);

          await chatLink.click();
          await page.locator('.message[data-seq="1"]').waitFor();
          expect(await page.getByRole('main').count()).toBe(1);
          expect(await page.getByRole('main').getByRole('region', { name: 'Messages' }).count()).toBe(1);
          await expectAccessible(page, `phone chat (${colorScheme})`);

          // Back to the list: main again.
          await page.getByRole('link', { name: 'Back to chats' }).click();
          await chatLink.waitFor();
          expect(await page.getByRole('main').getByRole('link', { name: new RegExp(bob.username) }).count()).toBe(1);
          noProblems(phone);
        } finally {
          await phone.context.close();
        }
      }

      const desktop = await open({ user: ada });
      try {
        const { page } = desktop;
        await page.getByRole('link', { name: new RegExp(bob.username) }).waitFor();
        expect(await page.getByRole('main').count()).toBe(1);
        expect(await page.getByRole('complementary').getByRole('navigation', { name: 'Chats' }).count()).toBe(1);
        expect(await page.getByRole('main').getByRole('navigation').count()).toBe(0);
        await page.getByRole('link', { name: new RegExp(bob.username) }).click();
        await page.locator('.message[data-seq="1"]').waitFor();
        expect(await page.getByRole('main').count()).toBe(1);
        expect(await page.getByRole('main').getByRole('region', { name: 'Messages' }).count()).toBe(1);
        await expectAccessible(page, 'desktop chat');
        noProblems(desktop);
      } finally {
        await desktop.context.close();
      }
    });
  });
});
