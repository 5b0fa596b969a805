import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { ARTIFACTS, newContext, reportPageProblems } from '../../../server/test/support/browser.js';
import type { TestUser } from '../../../server/test/support/users.js';

/*
 * What every browser suite of the web client shares: a fresh profile signed
 * in (or not) at a size, sign-up through the UI, screenshots, and axe-core
 * over the page as it stands.
 */

export const PASSWORD = 'correct horse battery';
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface Opened {
  page: Page;
  context: BrowserContext;
  /** Page errors and CSP violations: always a failure. */
  problems: string[];
  /** Console errors: a failure, except while the network is down on purpose. */
  consoleErrors: string[];
  requests: string[];
}

export interface OpenOptions {
  user?: TestUser;
  /** The displayName stored with the seeded session (the username when left out). */
  displayName?: string;
  at?: string;
  viewport?: { width: number; height: number };
  /** Another origin to load from (a cuttable proxy). */
  via?: string;
  colorScheme?: 'light' | 'dark';
  /** A touch screen (taps, no hover), as on a phone. */
  hasTouch?: boolean;
  /** The page's clock starts at this time (and runs on from it). */
  clockAt?: Date;
}

/** A fresh browser profile on the client at `origin`, optionally already signed in as `user`. */
export async function openClient(browser: Browser | null, origin: string, options: OpenOptions = {}): Promise<Opened> {
  const base = options.via ?? origin;
  const viewport = options.viewport ?? DESKTOP;
  const context = await newContext(browser, "the web client's", {
    viewport,
    deviceScaleFactor: viewport.width < 700 ? 2 : 1,
    colorScheme: options.colorScheme ?? 'light',
    hasTouch: options.hasTouch ?? false,
  });
  const problems: string[] = [];
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  if (options.user) {
    const session = JSON.stringify({
      token: options.user.token,
      user: { id: options.user.id, username: options.user.username, displayName: options.displayName ?? options.user.username },
    });
    // Only the first load: a later reload must find what the app itself kept.
    await context.addInitScript((value) => {
      if (!sessionStorage.getItem('seeded')) {
        localStorage.setItem('parley.session', value);
        sessionStorage.setItem('seeded', '1');
      }
    }, session);
  }
  if (options.clockAt) await context.clock.install({ time: options.clockAt });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await reportPageProblems(page, problems);
  const response = await page.goto(`${base}/${options.at ?? ''}`);
  expect(response!.status()).toBe(200);
  return { page, context, problems, consoleErrors, requests };
}

export async function signUpInBrowser(page: Page, username: string, displayName: string): Promise<void> {
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Display name').fill(displayName);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'New chat' }).first().waitFor();
}

/** The bodies of the messages shown, top to bottom (pending ones included). */
export const shownBodies = (page: Page) => page.locator('.message .body').allInnerTexts();

export const shownSeqs = (page: Page) =>
  page.locator('.message[data-seq]').evaluateAll((els) => els.map((el) => Number((el as HTMLElement).dataset.seq)));

/** A screenshot into server/test-artifacts/ (git-ignored), named `web-<name>.png`. */
export const screenshot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `web-${name}.png`) });

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * Runs axe-core (every WCAG 2.x A/AA rule and best practice) over the page as
 * it stands and returns its violations of any impact, one line each. Injected
 * through the DevTools protocol, which the page's CSP does not govern.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  const violations = (await page.evaluate(`(async () => {
    if (!window.axe) { ${axeSource}\n }
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  })()`)) as AxeViolation[];
  return violations.map((v) => `${v.impact ?? 'unknown'} ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/** Fails with every axe violation on the page, naming the screen. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  expect(await axeViolations(page), `axe violations on ${screen}`).toEqual([]);
}
