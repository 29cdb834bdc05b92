import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { it } from 'node:test';
import { assertClean, openPerson, screenshot, signInByKeyboard } from '../support/browser.js';
import { CONSOLE_PASSWORD, describeConsole } from '../support/console-stack.js';

// The console in a real browser against acgs up: signing in and out, what survives a reload, who is refused, the
// constitution hash the browser recomputes, and the maintenance banner.
describeConsole('console: sessions, constitution and system banners', (stack) => {
  it('signs in by keyboard alone, survives a reload and an expired access token, and signs out', async () => {
    const person = await openPerson(stack.browser, stack.url);
    const { page, context } = person;
    await signInByKeyboard(page, stack.adminEmail, CONSOLE_PASSWORD);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.locator('[data-service="pgc"].health-healthy').waitFor();
    await screenshot(page, 'overview');
    await page.reload();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    // The access cookie lives as long as the token: without it, the page refreshes with the acgs_csrf cookie.
    await context.clearCookies({ name: 'acgs_access' });
    await page.reload();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    assert.ok(
      (await context.cookies()).some((cookie) => cookie.name === 'acgs_access'),
      'a new access cookie',
    );
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'sign-in');
    assertClean(person);
    await context.close();
  });

  it('tells a person their account is locked, and for how long', async () => {
    const { email } = await stack.person('locked-out', ['auditor']);
    const person = await openPerson(stack.browser, stack.url);
    const { page } = person;
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      await signInByKeyboard(page, email, 'not-the-password-at-all');
      await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    }
    await signInByKeyboard(page, email, CONSOLE_PASSWORD);
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'this account is locked' }).waitFor();
    assert.match(await alert.innerText(), /Try again in 15 minutes/);
    await screenshot(page, 'sign-in-locked');
    assertClean(person);
    await person.context.close();
  });

  it('refuses agents and services with a clear message', async () => {
    const { email } = await stack.person('an-agent', ['agent']);
    const person = await openPerson(stack.browser, stack.url);
    await signInByKeyboard(person.page, email, CONSOLE_PASSWORD);
    await person.page.getByRole('heading', { name: 'Not for this account' }).waitFor();
    assert.match(await person.page.getByRole('alert').innerText(), /agent role; agents and services use the API/);
    await screenshot(person.page, 'not-for-this-account');
    assertClean(person);
    await person.context.close();
  });

  it('recomputes the constitution hash in the browser: green as served, red when a principle is altered in transit', async () => {
    const { email } = await stack.person('reader', ['auditor']);
    const person = await openPerson(stack.browser, stack.url);
    const { page } = person;
    await signInByKeyboard(page, email, CONSOLE_PASSWORD);
    await page.getByRole('link', { name: 'Constitution' }).click();
    const badge = page.locator('[data-check="constitution hash"]');
    await page.locator('[data-check="constitution hash"][data-state="ok"]').waitFor();
    await page
      .getByText(
        "Forbid tool_call when the request's risk is at least 70, unless the request's human approved is true; obligation: require_human_review.",
      )
      .waitFor();
    await screenshot(page, 'constitution');

    await page.route(/\/api\/v1\/constitution$/, async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { principles: { key: string; priority: number }[] };
      body.principles[0]!.priority -= 1;
      await route.fulfill({ response, json: body });
    });
    await page.reload();
    await page.locator('[data-check="constitution hash"][data-state="failed"]').waitFor();
    assert.match(await badge.innerText(), /FAILED — the principles hash to/);
    await screenshot(page, 'constitution-tampered');
    assertClean(person);
    await person.context.close();
  });

  it('shows the maintenance banner while maintenance mode is on', async () => {
    const person = await openPerson(stack.browser, stack.url);
    const { page } = person;
    await signInByKeyboard(page, stack.adminEmail, CONSOLE_PASSWORD);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    writeFileSync(stack.maintenanceFile, '');
    try {
      // The services look at the file a few times a second; the page asks on load and every few seconds.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await page.reload();
      await page.getByText('Maintenance mode: the platform is read-only.').waitFor();
      await screenshot(page, 'maintenance');
    } finally {
      rmSync(stack.maintenanceFile, { force: true });
    }
    await page.getByRole('link', { name: 'About' }).click();
    await page.getByRole('cell', { name: '/pgc/docs' }).waitFor();
    await screenshot(page, 'about');
    assertClean(person);
    await person.context.close();
  });
});
