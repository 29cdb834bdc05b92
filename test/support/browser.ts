import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium; the tests never download a browser. */
export const CHROMIUM = process.env['ACGS_CHROMIUM'] ?? '/usr/bin/chromium';

export const chromiumAvailable = () => existsSync(CHROMIUM);

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Nothing outside the stack under test: no update checks, component downloads, metrics or sync.
    args: [
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-sync',
      '--metrics-recording-only',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

/** One person at the console: their own browser context (cookies), page and a record of everything that went wrong. */
export interface Person {
  context: BrowserContext;
  page: Page;
  /** Console errors (CSP violations among them), uncaught page errors and 5xx answers seen so far. */
  problems: string[];
}

export async function openPerson(browser: Browser, baseURL: string): Promise<Person> {
  const context = await browser.newContext({ baseURL });
  // Every wait in these tests is for something the page does in well under a second; 15 s means it never will.
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 500)
      problems.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  return { context, page, problems };
}

/**
 * A browser logs an error for every 4xx fetch too; those are answers the page expected (a wrong password, a 403 the
 * test forced), so only the rest count as problems.
 */
export function unexpectedProblems(person: Person, expected: readonly RegExp[] = []): string[] {
  return person.problems.filter(
    (problem) =>
      !/Failed to load resource: the server responded with a status of 4\d\d/.test(problem) &&
      !expected.some((pattern) => pattern.test(problem)),
  );
}

export function assertClean(person: Person, expected: readonly RegExp[] = []): void {
  assert.deepEqual(unexpectedProblems(person, expected), [], 'no console errors, CSP violations or 5xx');
}

/** Signs in with the keyboard only: focus starts in the email field (autofocus), Tab moves on, Enter submits. */
export async function signInByKeyboard(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Email').waitFor();
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
}

export const SCREENSHOT_DIR = process.env['ACGS_SCREENSHOT_DIR'] ?? join(process.cwd(), '.acgs', 'screenshots');

/** Saves a full-page screenshot under a stable name, so a person can look at every page the suite visited. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Waits until no "Loading…" placeholder is left on the page. A client-side navigation has no load event, and the
 * strict CSP forbids the string evaluation waitForFunction would use, so this polls the DOM through locators.
 */
export async function settled(page: Page, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await page.getByText('Loading…').count()) > 0) {
    if (Date.now() > deadline) throw new Error(`still loading after ${timeoutMs} ms: ${page.url()}`);
    await page.waitForTimeout(50);
  }
}
