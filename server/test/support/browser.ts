import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { it } from 'vitest';

/*
 * For the tests of a bundle Parley serves (the playground, the web client),
 * driven in a real headless Chromium. Without Chromium the browser tests are
 * skipped on a developer's machine but fail in CI, where they are required;
 * without the bundle they always fail.
 */

/**
 * Adds the test that fails when `workspace`'s bundle (`dist`) is missing, and
 * returns whether the tests that serve it are to be skipped (then it is).
 * Not a skip alone: `npm test` builds every workspace first, so a missing
 * bundle is a broken build.
 */
export function requireBundle(workspace: string, dist: string, what: string): boolean {
  const missing = existsSync(join(dist, 'index.html'))
    ? null
    : `${workspace}/dist is missing (${dist}). Build it first: \`npm run build --workspace ${workspace}\` ` +
      `from the repository root (\`npm test\` builds every workspace before testing).`;
  it(`has a built ${what} to serve`, () => {
    if (missing) throw new Error(missing);
  });
  return missing !== null;
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumMissing = existsSync(CHROMIUM)
  ? null
  : `Chromium is not installed at ${CHROMIUM} (Debian: \`apt-get install chromium\`; or set CHROMIUM_PATH)`;

/** Where screenshots go (server/test-artifacts/). */
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/** For `describe.skipIf`: true (and says so) when Chromium is missing outside CI. */
export function skipWithoutChromium(suite: string): boolean {
  const skip = chromiumMissing !== null && !process.env.CI;
  if (skip) console.warn(`SKIPPED ${suite} browser tests: ${chromiumMissing}`);
  return skip;
}

/**
 * Launches Chromium, offline but for the test servers on 127.0.0.1, and
 * makes the artifacts folder. Null when Chromium is missing: in CI each test
 * then fails in `newContext` rather than the whole suite being skipped.
 */
export async function launchChromium(): Promise<Browser | null> {
  if (chromiumMissing) return null;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Docker's /dev/shm is 64 MB by default, too small for a renderer with Monaco in it.
      '--disable-dev-shm-usage',
      // Offline for real: no name but the test server's resolves.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
    ],
  });
  await mkdir(ARTIFACTS, { recursive: true });
  return browser;
}

/** A fresh browser profile; `suite` names what is required in CI ("the playground's") when Chromium is missing. */
export async function newContext(browser: Browser | null, suite: string, options: BrowserContextOptions): Promise<BrowserContext> {
  if (!browser) throw new Error(`${chromiumMissing}. In CI ${suite} browser test is required: this is a failure, not a skip.`);
  return browser.newContext(options);
}

/** What the init script below uses of the page's globals: test code is compiled for Node, without the DOM library. */
declare const document: { addEventListener(type: 'securitypolicyviolation', listener: (e: { violatedDirective: string; blockedURI: string }) => void): void };
declare const window: unknown;

/** Collects the page's uncaught errors and Content-Security-Policy violations into `problems`. */
export async function reportPageProblems(page: Page, problems: string[]): Promise<void> {
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.exposeFunction('reportCspViolation', (text: string) => problems.push(`CSP violation: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { reportCspViolation(text: string): void }).reportCspViolation(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
}

/** The requests that went anywhere but `origins` (and the `local` schemes, data: by default): no CDN, no font service. */
export function requestsElsewhere(requests: readonly string[], origins: readonly string[], local: readonly string[] = ['data:']): string[] {
  return requests.filter((url) => !origins.some((o) => url.startsWith(`${o}/`)) && !local.some((scheme) => url.startsWith(scheme)));
}
