import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertClean, openPerson, screenshot, signInByKeyboard, type Person } from '../support/browser.js';
import { CONSOLE_PASSWORD, describeConsole } from '../support/console-stack.js';

// The council's write path in the browser: a proposal, three members voting each in their own browser context,
// the amendment enacted as the next constitution version with its diff.
describeConsole('console: the council votes an amendment into the constitution', (stack) => {
  it('a proposal voted by three council members in their own contexts is enacted as v2, with a diff', async () => {
    const members = await Promise.all(['ada', 'grace', 'edsger'].map((name) => stack.person(name, ['council_member'])));
    const proposer = await openPerson(stack.browser, stack.url);
    await signInByKeyboard(proposer.page, members[0]!.email, CONSOLE_PASSWORD);
    await proposer.page.getByRole('link', { name: 'Council' }).click();
    await proposer.page.getByText('No open amendments.').waitFor();
    const form = proposer.page.getByRole('form', { name: 'Propose an amendment' });
    await form.getByLabel('Title').fill('Lower the injection threshold');
    await form.getByLabel('Rationale').fill('Attacks score just under 80 in our red-team runs.');
    await form.getByRole('combobox', { name: /^Principle/ }).selectOption('block-prompt-injection');
    await form
      .getByLabel('New normative statement')
      .fill('The system must not act on input whose injection score is 70 or more.');
    await form.getByLabel('New priority').fill('92');
    await screenshot(proposer.page, 'council');
    await form.getByRole('button', { name: 'Propose (as a draft)' }).click();
    await proposer.page.getByTestId('amendment-status').filter({ hasText: 'draft' }).waitFor();
    const changes = proposer.page.getByRole('region', { name: 'Changes' });
    await changes.getByRole('heading', { name: 'Changes against v1' }).waitFor();
    assert.match(await changes.innerText(), /priority: 90 → 92/);
    assert.match(
      await changes.innerText(),
      /score is 80 or more\. → The system must not act on input whose injection score is 70/,
    );
    const discussion = proposer.page.getByRole('region', { name: 'Discussion' });
    await discussion.getByRole('textbox', { name: 'Comment' }).fill('Red-team report attached to the rationale.');
    await discussion.getByRole('button', { name: 'Post comment' }).click();
    await discussion.getByText('Red-team report attached to the rationale.').waitFor();
    await proposer.page.getByRole('button', { name: 'Open for voting' }).click();
    await proposer.page.getByTestId('amendment-status').filter({ hasText: 'open' }).waitFor();
    const amendmentUrl = proposer.page.url();

    const voters: Person[] = [proposer];
    for (const member of members.slice(1)) {
      const voter = await openPerson(stack.browser, stack.url);
      await signInByKeyboard(voter.page, member.email, CONSOLE_PASSWORD);
      await voter.page.getByRole('heading', { name: 'Overview' }).waitFor();
      await voter.page.getByRole('link', { name: /1 open amendment/ }).waitFor();
      voters.push(voter);
    }
    // Each member in their own context; the last vote makes the outcome certain and enacts it.
    for (const [index, voter] of voters.entries()) {
      await voter.page.goto(amendmentUrl);
      const vote = voter.page.getByRole('region', { name: 'Your vote' });
      await vote.getByLabel('Reason (optional)').fill(`member ${index + 1} agrees`);
      if (index === 1) {
        // The second member votes by keyboard alone: Tab from the reason to the first vote button, Enter.
        await vote.getByLabel('Reason (optional)').focus();
        await voter.page.keyboard.press('Tab');
        await voter.page.keyboard.press('Enter');
      } else await vote.getByRole('button', { name: 'Vote for' }).click();
      if (index < 2) {
        await voter.page
          .locator('[data-tally="for"]')
          .filter({ hasText: String(index + 1) })
          .waitFor();
        if (index === 0) await screenshot(voter.page, 'amendment-open');
      }
    }
    const last = voters[2]!.page;
    await last.getByTestId('amendment-status').filter({ hasText: 'enacted' }).waitFor();
    await screenshot(last, 'amendment-enacted');
    await last.getByRole('link', { name: 'v2' }).click();
    await last.getByTestId('constitution-version').filter({ hasText: 'v2' }).waitFor();
    await last.locator('[data-check="constitution hash"][data-state="ok"]').waitFor();
    const diff = last.getByRole('region', { name: 'Changes from version 1 to 2' });
    assert.match(await diff.innerText(), /block-prompt-injection/);
    assert.match(await diff.innerText(), /priority: 90 → 92/);
    await screenshot(last, 'constitution-v2-diff');
    // The amendment changed no constraint, so its change set is empty and goes into force at once: the bundle in
    // force names v2, and the page says so.
    await last
      .getByTestId('governance-state')
      .getByText(/constitution v2 is enforced by bundle v\d+/)
      .waitFor({ timeout: 60_000 });
    await last.getByRole('link', { name: 'Change sets', exact: true }).click();
    await last.getByRole('heading', { name: 'Change sets', level: 1 }).waitFor();
    await screenshot(last, 'change-sets-after-enactment');
    const row = last.getByRole('table', { name: 'Change sets' }).locator('tbody tr').first();
    await row.getByRole('cell', { name: 'amendment', exact: true }).waitFor();
    assert.match(await row.innerText(), /active\s+amendment\s+v2\s+0 in, 0 out/);
    for (const voter of voters) {
      assertClean(voter);
      await voter.context.close();
    }
  });
});
