import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIST } from '../../server/src/http/web-client.js';
import { launchChromium, requireBundle, skipWithoutChromium } from '../../server/test/support/browser.js';
import { PHONE, axeViolations, expectAccessible, openClient, screenshot, shownSeqs, type OpenOptions } from './support/web-client.js';
import { TestServer } from '../../server/test/support/server.js';
import { pgliteTarget } from '../../server/test/support/targets.js';
import { until } from '../../server/test/support/until.js';
import { directChat, send, type TestUser, groupChat, signupAs } from '../../server/test/support/users.js';

/**
 * Message search in the web client (issue 15): the box in the sidebar, results
 * with their matches marked, and a result opening its chat at the message with
 * the history around it, in a real Chromium against a real server.
 */

describe.skipIf(requireBundle('client', WEB_DIST, 'web client'))('web client search', () => {
  let server: TestServer;
  let origin: string;
  beforeAll(async () => {
    server = await TestServer.start(pgliteTarget);
    origin = `http://127.0.0.1:${server.parley.port}`;
  });
  afterAll(async () => {
    await server?.stop();
  });

  const person = (displayName: string) => signupAs(server, displayName);

  const group = (owner: TestUser, title: string, members: TestUser[]) => groupChat(server, owner, title, members);

  /** Sends are stored by the persister after they are accepted: wait until search sees them. */
  async function searchable(viewer: TestUser, query: string, count: number): Promise<void> {
    await until(async () => (await server.ok(`query ($q: String!) { searchMessages(query: $q, first: 100) { edges { cursor } } }`, { q: query }, viewer.token)).searchMessages.edges.length === count, 15_000);
  }

  /**
   * Ada with a direct chat with Bob of 200 messages (a lighthouse at 5 and 100)
   * and a group with Carol where the lighthouse comes up once: three results
   * for "lighthouse" in two chats.
   */
  async function seed() {
    const ada = await person('Ada Lovelace');
    const bob = await person('Bob Stone');
    const carol = await person('Carol Reyes');
    const direct = await directChat(server, ada, bob);
    for (let i = 1; i <= 200; i++) {
      const body = i === 5 ? 'Meet me at the lighthouse at noon, bring the map' : i === 100 ? 'Back at the lighthouse: the door was locked' : `filler ${i}`;
      await send(server, i % 2 === 0 ? ada : bob, direct, body);
    }
    await server.ok(`mutation ($c: ID!) { markRead(chatId: $c, seq: 200) { lastReadSeq } }`, { c: direct }, ada.token);
    const trip = await group(ada, 'Lighthouse trip', [carol]);
    await send(server, carol, trip, 'The lighthouse keeper says hi <b>and</b> [waves]');
    await searchable(ada, 'lighthouse', 3);
    return { ada, bob, carol, direct, trip };
  }

  describe.skipIf(skipWithoutChromium('web client search'))('in Chromium', () => {
    let browser: Browser | null = null;
    let seeded: Awaited<ReturnType<typeof seed>>;
    beforeAll(async () => {
      browser = await launchChromium();
      seeded = await seed();
    });
    afterAll(async () => {
      await browser?.close();
    });

    const open = (options: OpenOptions = {}) =>
      openClient(browser, origin, { user: seeded.ada, displayName: seeded.ada.displayName, ...options });
    const box = (page: Page) => page.getByRole('searchbox', { name: 'Search messages' });
    const results = (page: Page) => page.getByRole('region', { name: 'Search results' }).getByRole('link');
    const status = (page: Page) => page.getByRole('search').getByRole('status');
    /**
     * axe on the phone's list screen, where the results show: every violation
     * but the screen's missing main landmark, a bug of the list screen itself
     * (issue 15's list; main's accessibility suite fails on it until fixed).
     */
    const expectAccessibleOnPhoneList = async (page: Page, screen: string) =>
      expect((await axeViolations(page)).filter((v) => !v.includes('landmark-one-main:')), `axe violations on ${screen}`).toEqual([]);
    /** Where a message sits in the message list's view: its top, from the list's top. */
    const topInView = (page: Page, seq: number) =>
      page.locator(`.message[data-seq="${seq}"]`).evaluate((el) => el.getBoundingClientRect().top - el.closest('.messages')!.getBoundingClientRect().top);
    /** Every request the page made for an operation, by its name. */
    const operations = (page: Page) => {
      const names: string[] = [];
      page.on('request', (request) => {
        const body = request.method() === 'POST' ? (request.postDataJSON() as { operationName?: string; query?: string } | null) : null;
        const name = body?.operationName ?? /\b(?:query|mutation|subscription)\s+(\w+)/.exec(body?.query ?? '')?.[1];
        if (name) names.push(name);
      });
      return names;
    };

    it('finds messages across two chats, each result with its chat, sender and marked matches', async () => {
      const opened = await open();
      try {
        const { page } = opened;
        await page.getByRole('link', { name: /Bob Stone/ }).waitFor();
        await box(page).fill('lighthouse');
        await expect.poll(() => status(page).innerText()).toBe('3 results');
        // The chat list gives way to the results.
        expect(await page.getByRole('navigation', { name: 'Chats' }).isVisible()).toBe(false);

        const links = results(page);
        expect(await links.count()).toBe(3);
        const texts = await links.allInnerTexts();
        expect(texts.filter((t) => t.startsWith('Bob Stone'))).toHaveLength(2);
        const inGroup = links.filter({ hasText: 'Lighthouse trip' });
        expect(await inGroup.locator('.result-sender').innerText()).toBe('Carol Reyes');
        // The match is a <mark>; the message's own markup stays text.
        expect(await inGroup.locator('mark').allInnerTexts()).toEqual(['lighthouse']);
        expect(await inGroup.locator('.result-snippet').innerText()).toBe('The lighthouse keeper says hi <b>and</b> [waves]');
        expect(await inGroup.locator('.result-snippet b').count()).toBe(0);
        const first = links.filter({ hasText: 'noon' });
        expect(await first.getAttribute('href')).toBe(`#/chats/${seeded.direct}/m/5`);
        expect(await first.locator('mark').allInnerTexts()).toEqual(['lighthouse']);
        expect(await first.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);

        // A prefix of three letters finds the word too, as the API promises.
        await box(page).fill('lighth');
        await expect.poll(() => links.locator('mark').allInnerTexts()).toEqual(['lighthouse', 'lighthouse', 'lighthouse']);
        expect(opened.problems).toEqual([]);
      } finally {
        await opened.context.close();
      }
    });

    it('opens a result far back in a long chat at the message, highlighted, with its neighbours, and pages down to the newest', async () => {
      const opened = await open();
      try {
        const { page } = opened;
        await box(page).fill('noon');
        await expect.poll(() => status(page).innerText()).toBe('1 result');
        await results(page).first().click();

        await page.waitForURL(new RegExp(`#/chats/${seeded.direct}/m/5$`));
        const target = page.locator('.message[data-seq="5"]');
        await target.and(page.locator('.highlight')).waitFor({ timeout: 5_000 });
        expect(await target.innerText()).toContain('Meet me at the lighthouse at noon');
        // Its neighbours are loaded, the newest are not: the window is around it.
        const seqs = await shownSeqs(page);
        expect(seqs.slice(0, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(seqs).not.toContain(200);
        const top = await topInView(page, 5);
        expect(top).toBeGreaterThanOrEqual(0);
        expect(top).toBeLessThan(150);

        // Scrolling down a screen at a time pages to the newer messages, each once and in order, and a
        // page arriving below never moves the reader (whoever sent its last message).
        const topSeq = () =>
          page.locator('.messages').evaluate((list) => {
            const edge = list.getBoundingClientRect().top;
            const first = [...list.querySelectorAll<HTMLElement>('.message[data-seq]')].find((m) => m.getBoundingClientRect().bottom > edge);
            return Number(first?.dataset.seq);
          });
        for (let round = 0; round < 80 && (await page.locator('.message[data-seq="200"]').count()) === 0; round++) {
          const was = await topSeq();
          await page.locator('.messages').evaluate((el) => el.scrollBy({ top: el.clientHeight * 0.6 }));
          await page.waitForTimeout(200);
          const now = await topSeq();
          expect(now - was, `from ${was} to ${now}`).toBeLessThan(20);
        }
        expect(await shownSeqs(page)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        expect(opened.problems).toEqual([]);
      } finally {
        await opened.context.close();
      }
    });

    it('opens a result in the chat already open by moving its window there, without reloading the chat', async () => {
      const opened = await open({ at: `#/chats/${seeded.direct}` });
      try {
        const { page } = opened;
        const names = operations(page);
        await page.locator('.message[data-seq="200"]').waitFor();
        // Marks this chat view: a new one would not carry it.
        await page.locator('.chat-view').evaluate((el) => (el.dataset.probe = 'same view'));
        await page.getByLabel('Message Bob Stone').fill('a draft that must survive');
        const openChats = names.filter((n) => n === 'OpenChat').length;

        await box(page).fill('lighthouse');
        await expect.poll(() => status(page).innerText()).toBe('3 results');
        await results(page).filter({ hasText: 'door was locked' }).click();
        await page.locator('.message[data-seq="100"].highlight').waitFor({ timeout: 5_000 });
        // The window moved there (the newest are no longer loaded), and the reader stays with it.
        await page.waitForTimeout(1000);
        expect(await page.locator('.message[data-seq="200"]').count()).toBe(0);
        const top = await topInView(page, 100);
        expect(top).toBeGreaterThanOrEqual(0);
        expect(top).toBeLessThan(150);

        // Then the one at 5, in the same view.
        await results(page).filter({ hasText: 'noon' }).click();
        await page.locator('.message[data-seq="5"].highlight').waitFor({ timeout: 5_000 });
        expect(await page.locator('.chat-view').getAttribute('data-probe')).toBe('same view');
        expect(await page.getByLabel('Message Bob Stone').inputValue()).toBe('a draft that must survive');
        expect(names.filter((n) => n === 'OpenChat').length).toBe(openChats);

        // The same result again after scrolling away (the address does not change): shown again.
        await page.locator('.message[data-seq="5"].highlight').waitFor({ state: 'detached', timeout: 5_000 });
        await page.locator('.messages').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
        await expect.poll(() => topInView(page, 5)).toBeLessThan(0);
        await results(page).filter({ hasText: 'noon' }).click();
        await page.locator('.message[data-seq="5"].highlight').waitFor({ timeout: 5_000 });
        expect(await topInView(page, 5)).toBeGreaterThanOrEqual(0);
        expect(names.filter((n) => n === 'OpenChat').length).toBe(openChats);
        expect(opened.problems).toEqual([]);
      } finally {
        await opened.context.close();
      }
    });

    it('pages with More results, each result once', async () => {
      const dave = await person('Dave Hill');
      const chatId = await directChat(server, seeded.ada, dave);
      for (let i = 1; i <= 25; i++) await send(server, dave, chatId, `kiwi number ${i}`);
      await searchable(seeded.ada, 'kiwi', 25);
      const opened = await open();
      try {
        const { page } = opened;
        await box(page).fill('kiwi');
        await expect.poll(() => status(page).innerText()).toBe('20 results, more below');
        await page.getByRole('button', { name: 'More results' }).click();
        await expect.poll(() => status(page).innerText()).toBe('25 results');
        const snippets = await results(page).locator('.result-snippet').allInnerTexts();
        expect(new Set(snippets).size).toBe(25);
        expect(snippets.sort()).toEqual(Array.from({ length: 25 }, (_, i) => `kiwi number ${i + 1}`).sort());
        expect(await page.getByRole('button', { name: 'More results' }).count()).toBe(0);
        expect(opened.problems).toEqual([]);
      } finally {
        await opened.context.close();
      }
    });

    it('says when nothing matches, and why a query that is too long was refused, in words (not the API’s “query must …”)', async () => {
      const opened = await open();
      try {
        const { page } = opened;
        await box(page).fill('zanzibar');
        await expect.poll(() => status(page).innerText()).toBe('No messages match.');
        expect(await results(page).count()).toBe(0);

        const tooLong = 'lighthouse '.repeat(30).trim();
        const refused = await server.gql(`query ($q: String!) { searchMessages(query: $q) { edges { cursor } } }`, { q: tooLong }, seeded.ada.token);
        expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        await box(page).fill(tooLong);
        const alert = page.getByRole('region', { name: 'Search results' }).getByRole('alert');
        await expect.poll(() => alert.innerText()).toBe('A search can be up to 256 characters.');
        expect(refused.errors![0]!.message).toMatch(/^query must be .*256 characters$/);
        expect(await results(page).count()).toBe(0);
        // Correcting the query brings results back and the error goes.
        await box(page).fill('lighthouse');
        await expect.poll(() => status(page).innerText()).toBe('3 results');
        expect(await alert.count()).toBe(0);
        expect(opened.problems).toEqual([]);
      } finally {
        await opened.context.close();
      }
    });

    it('works by keyboard alone: Tab to the box, type, arrows through the results, Escape back, Enter opens', async () => {
      const opened = await open();
      try {
        const { page } = opened;
        await page.getByRole('link', { name: /Bob Stone/ }).waitFor();
        for (let i = 0; i < 6 && (await page.evaluate(() => document.activeElement?.id)) !== 'message-search'; i++) await page.keyboard.press('Tab');
        await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('message-search');
        await page.keyboard.type('lighthouse');
        await expect.poll(() => status(page).innerText()).toBe('3 results');

        const focused = () => page.evaluate(() => document.activeElement?.getAttribute('href') ?? document.activeElement?.id);
        const hrefs = await results(page).evaluateAll((els) => els.map((el) => el.getAttribute('href')));
        await page.keyboard.press('ArrowDown');
        expect(await focused()).toBe(hrefs[0]);
        // Focus is visible on a result.
        expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid');
        await page.keyboard.press('ArrowDown');
        expect(await focused()).toBe(hrefs[1]);
        await page.keyboard.press('ArrowUp');
        await page.keyboard.press('ArrowUp');
        expect(await focused()).toBe('message-search');
        // Tab goes through them as well.
        await page.keyboard.press('Tab');
        expect(await focused()).toBe(hrefs[0]);

        // Escape closes the search and returns to the box, the chat list back.
        await page.keyboard.press('Escape');
        expect(await focused()).toBe('message-search');
        expect(await box(page).inputValue()).toBe('');
        await page.getByRole('navigation', { name: 'Chats' }).waitFor();
        expect(await results(page).count()).toBe(0);

        await page.keyboard.type('noon');
        await expect.poll(() => status(page).innerText()).toBe('1 result');
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('Enter');
        await page.locator('.message[data-seq="5"].highlight').waitFor({ timeout: 5_000 });
        expect(page.url()).toMatch(new RegExp(`#/chats/${seeded.direct}/m/5$`));
        expect(opened.problems).toEqual([]);
      } finally {
        await opened.context.close();
      }
    });

    for (const colorScheme of ['light', 'dark'] as const) {
      it(`is accessible and fits a phone and a desktop (${colorScheme})`, async () => {
        const suffix = colorScheme === 'dark' ? '-dark' : '';
        const desktop = await open({ colorScheme });
        try {
          const { page } = desktop;
          await box(page).fill('lighthouse');
          await expect.poll(() => status(page).innerText()).toBe('3 results');
          await screenshot(page, `search${suffix}`);
          await expectAccessible(page, `search results (desktop, ${colorScheme})`);
          // With a chat open: the scope choice, and the results beside the chat.
          await results(page).filter({ hasText: 'noon' }).click();
          await page.locator('.message[data-seq="5"]').waitFor();
          await page.getByLabel('This chat only').waitFor();
          await expectAccessible(page, `search results beside a chat (desktop, ${colorScheme})`);
          expect(desktop.problems).toEqual([]);
        } finally {
          await desktop.context.close();
        }

        const phone = await open({ colorScheme, viewport: PHONE });
        try {
          const { page } = phone;
          await page.getByRole('link', { name: /Bob Stone/ }).waitFor();
          const search = await box(page).boundingBox();
          expect(search!.x).toBeGreaterThanOrEqual(0);
          expect(search!.x + search!.width).toBeLessThanOrEqual(PHONE.width);
          await box(page).fill('lighthouse');
          await expect.poll(() => status(page).innerText()).toBe('3 results');
          expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
          for (const link of await results(page).all()) {
            const bounds = await link.boundingBox();
            expect(bounds!.x + bounds!.width).toBeLessThanOrEqual(PHONE.width);
          }
          await screenshot(page, `phone-search${suffix}`);
          await expectAccessibleOnPhoneList(page, `search results (phone, ${colorScheme})`);

          // A result is the chat screen at the message; back returns to the results.
          const inGroup = results(page).filter({ hasText: 'Lighthouse trip' });
          const seq = /\/m\/(\d+)$/.exec((await inGroup.getAttribute('href'))!)![1];
          await inGroup.click();
          await page.locator(`.message[data-seq="${seq}"].highlight`).waitFor({ timeout: 5_000 });
          expect(await page.locator('.sidebar').isVisible()).toBe(false);
          await page.getByRole('link', { name: 'Back to chats' }).click();
          await expect.poll(() => status(page).innerText()).toBe('3 results');
          expect(await box(page).inputValue()).toBe('lighthouse');
          expect(phone.problems).toEqual([]);
        } finally {
          await phone.context.close();
        }
      });
    }
  });
});
