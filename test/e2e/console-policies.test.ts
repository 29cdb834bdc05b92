import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertClean, openPerson, screenshot, signInByKeyboard } from '../support/browser.js';
import { CONSOLE_PASSWORD, describeConsole } from '../support/console-stack.js';

const RULE = [
  '@id("no-sunday-payments")',
  '@principle("human-approval-for-high-risk-tools")',
  'forbid (principal, action == Action::"tool_call", resource is Tool)',
  'when { context.tool == "payments" && context.risk >= 90 && !context.human_approved };',
].join('\n');

// The policy lifecycle in the browser: Cedar diagnostics at their line, the two-person rule (the author cannot
// approve, a second manager can), the new bundle's hash, signature and log inclusion checked in the browser, and an
// auditor who sees no write buttons and whose forced POST is refused.
describeConsole('console: policies, the two-person rule and bundles checked in the browser', (stack) => {
  it('author cannot approve, a second manager can, and the activated bundle verifies in the browser', async () => {
    const [author, reviewer, auditor] = await Promise.all([
      stack.person('author', ['policy_manager']),
      stack.person('reviewer', ['policy_manager']),
      stack.person('auditor', ['auditor']),
    ]);
    const first = await openPerson(stack.browser, stack.url);
    await signInByKeyboard(first.page, author.email, CONSOLE_PASSWORD);
    await first.page.getByRole('link', { name: 'Policies', exact: true }).click();
    await first.page.getByRole('button', { name: 'New policy' }).click();
    const editor = first.page.getByRole('form', { name: 'New policy' });
    await editor.getByLabel(/Cedar source/).fill(RULE.replace('context.tool ==', 'context.no_such_attribute =='));
    await editor.getByRole('button', { name: 'Submit as draft' }).click();
    await editor.getByRole('alert').filter({ hasText: 'The server refused the policy' }).waitFor();
    const marked = editor.locator('.source-error');
    assert.equal(await marked.getAttribute('data-line'), '4', 'the diagnostic is marked on line 4');
    assert.match(await marked.innerText(), /no_such_attribute/);
    await screenshot(first.page, 'policy-diagnostics');
    await editor.getByRole('textbox', { name: /Cedar source/ }).fill(RULE);
    await editor.getByRole('button', { name: 'Submit as draft' }).click();
    await first.page.getByTestId('policy-status').filter({ hasText: 'draft' }).waitFor();
    await first.page.getByRole('button', { name: 'Verify' }).click();
    await first.page.getByTestId('policy-status').filter({ hasText: 'verified' }).waitFor({ timeout: 60_000 });
    const approve = first.page.getByRole('button', { name: 'Approve' });
    assert.equal(await approve.isDisabled(), true, 'the author cannot approve');
    assert.match(await first.page.getByRole('note').innerText(), /two-person rule/);
    await screenshot(first.page, 'policy-author-cannot-approve');
    const policyUrl = first.page.url();

    const second = await openPerson(stack.browser, stack.url);
    await signInByKeyboard(second.page, reviewer.email, CONSOLE_PASSWORD);
    await second.page.getByRole('heading', { name: 'Overview' }).waitFor();
    await second.page.goto(policyUrl);
    await second.page.getByRole('button', { name: 'Approve' }).click();
    await second.page.getByTestId('policy-status').filter({ hasText: 'approved' }).waitFor();
    await second.page.getByRole('button', { name: /Activate/ }).click();
    await second.page.getByTestId('policy-status').filter({ hasText: 'active' }).waitFor({ timeout: 60_000 });
    await second.page.getByRole('link', { name: 'Bundles' }).click();
    const bundle = second.page.getByRole('region', { name: 'Bundle v2' });
    await bundle.getByRole('link', { name: 'no-sunday-payments' }).waitFor();
    for (const check of ['bundle hash', 'bundle signature', 'log inclusion', 'tree head signature'])
      await bundle.locator(`[data-check="${check}"][data-state="ok"]`).waitFor();
    assert.match(
      (await bundle.locator('[data-check="bundle signature"]').getAttribute('title')) ?? '',
      /first key this browser has seen/,
      'no fingerprint is configured: trusted on first use, and said so',
    );
    await screenshot(second.page, 'bundles');

    // The same page with a console configured to trust some other key: every signature check fails.
    await second.page.route('**/console-config.json', (route) =>
      route.fulfill({ json: { trusted_key_fingerprints: ['0'.repeat(40)] } }),
    );
    await second.page.reload();
    await second.page
      .getByRole('region', { name: 'Bundle v2' })
      .locator('[data-check="bundle signature"][data-state="failed"]')
      .waitFor();
    assert.match(
      await second.page.locator('[data-check="tree head signature"]').innerText(),
      /not one of the fingerprints/,
    );
    await second.page.locator('[data-check="bundle hash"][data-state="ok"]').waitFor();
    await screenshot(second.page, 'bundles-untrusted-key');

    const third = await openPerson(stack.browser, stack.url);
    await signInByKeyboard(third.page, auditor.email, CONSOLE_PASSWORD);
    await third.page.getByRole('heading', { name: 'Overview' }).waitFor();
    await third.page.goto(policyUrl);
    await third.page.getByTestId('policy-status').filter({ hasText: 'active' }).waitFor();
    for (const name of ['Verify', 'Approve', /Activate/, 'Revoke', 'Write a new version'])
      assert.equal(
        await third.page.getByRole('button', { name }).count(),
        0,
        `no ${String(name)} button for an auditor`,
      );
    await third.page.getByRole('link', { name: 'Policies', exact: true }).click();
    await third.page.getByRole('link', { name: 'no-sunday-payments' }).waitFor();
    assert.equal(await third.page.getByRole('button', { name: 'New policy' }).count(), 0);
    const csrf = (await third.context.cookies()).find((cookie) => cookie.name === 'acgs_csrf')!.value;
    // From inside the auditor's page, with their cookies and CSRF token: the API refuses what the page does not offer.
    const forced = await third.page.evaluate(async (token) => {
      const response = await fetch('/api/v1/policies/no-sunday-payments/revoke', {
        method: 'POST',
        headers: { 'x-csrf-token': decodeURIComponent(token) },
      });
      return { status: response.status, body: (await response.json()) as { error_code: string } };
    }, csrf);
    assert.deepEqual([forced.status, forced.body.error_code], [403, 'FORBIDDEN']);
    await screenshot(third.page, 'policies-auditor');
    for (const person of [first, second, third]) {
      assertClean(person);
      await person.context.close();
    }
  });
});
