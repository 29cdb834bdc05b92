import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import { SERVICE_NAMES } from '../../src/platform/config.js';
import { freePort, runCli, runCliToEnd, waitFor, waitForHealthy } from '../support/process.js';
import { sqlOnStoppedStack } from '../support/stopped-stack.js';

const CARD_PERMIT = `@id("card-out")
@principle("baseline-governed-actions")
permit (principal, action == Action::"send_external", resource) when { context.pii.contains("payment_card") };`;
const CARD_TO_EXTERNAL = 'action == Action::"send_external" && context.pii.contains("payment_card")';

describe('verification on a fresh acgs up (issue 12, first Done-when line)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'acgs-verify-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('a leaky bundle plus a card permit is violated with a counterexample PGC allows; restoring the forbid holds', async () => {
    const env: Record<string, string> = {
      ACGS_DATA_DIR: dataDir,
      ACGS_ADMIN_EMAIL: 'ops@example.com',
      ACGS_BCRYPT_COST: '10',
    };
    const url: Record<string, string> = {};
    for (const service of SERVICE_NAMES) {
      const port = await freePort();
      env[`${service.toUpperCase()}_PORT`] = String(port);
      url[service] = `http://127.0.0.1:${port}`;
    }
    const stack = runCli(['up'], env);
    try {
      await waitForHealthy(Object.values(url), 60_000, 'six healthy services', stack);
      await waitFor(() => stack.output().includes('Password (shown once'), 5000, 'bootstrap credentials');
      const password = /Password \(shown once[^:]*: (\S+)/.exec(stack.output())![1]!;
      const call = async (method: string, target: string, token: string | null, body?: object) => {
        const response = await fetch(target, {
          method,
          headers: {
            ...(token === null
              ? {}
              : token.startsWith('acgs_')
                ? { 'x-api-key': token }
                : { authorization: `Bearer ${token}` }),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field in assertions
        return { status: response.status, json: (await response.json().catch(() => null)) as Record<string, any> };
      };
      const login = async (email: string, secret: string) =>
        (await call('POST', `${url['auth']}/auth/login`, null, { username: email, password: secret })).json[
          'access_token'
        ] as string;
      const admin = await login('ops@example.com', password);
      const userWith = async (email: string, roles: string[]) => {
        const created = await call('POST', `${url['auth']}/auth/register`, null, {
          email,
          password: 'correct-Horse-battery-9',
          full_name: email,
        });
        assert.equal(created.status, 201, JSON.stringify(created.json));
        await call('PUT', `${url['auth']}/auth/users/${created.json['id']}/roles`, admin, { roles });
        return created.json['id'] as string;
      };
      await userWith('second@example.com', ['policy_manager']);
      const reviewer = await login('second@example.com', 'correct-Horse-battery-9');
      const agentId = await userWith('bot@example.com', ['agent']);
      const key = (await call('POST', `${url['auth']}/auth/api-keys`, admin, { user_id: agentId, name: 'bot' })).json[
        'key'
      ] as string;
      const enforced = async () =>
        (await call('GET', `${url['pgc']}/api/v1/enforcement/rules`, admin, undefined)).json['policies'].map(
          (p: { id: string }) => p.id,
        ) as string[];

      // Revoking is not gated; it makes the leaky bundle.
      assert.equal(
        (await call('POST', `${url['integrity']}/api/v1/policies/no-pii-to-external-channels.1/revoke`, admin)).status,
        200,
      );
      await waitFor(
        async () => !(await enforced()).includes('no-pii-to-external-channels.1'),
        10_000,
        'the leaky bundle in force',
      );
      const violated = await call('POST', `${url['fv']}/api/v1/verify/policy?wait=60`, admin, {
        policy: { text: CARD_PERMIT },
        mode: 'add',
      });
      assert.equal(violated.status, 200, JSON.stringify(violated.json));
      assert.equal(violated.json['verdict'], 'violated');
      const finding = violated.json['report'].conformance.constraints.find(
        (c: { principle: string }) => c.principle === 'no-pii-to-external-channels',
      );
      const example = finding.counterexamples[0].request;
      const decided = await call('POST', `${url['pgc']}/api/v1/enforcement/evaluate`, key, {
        principal: example.principal,
        action: example.action,
        resource: example.resource,
        context: example.context,
      });
      assert.equal(decided.status, 200, JSON.stringify(decided.json));
      assert.equal(decided.json['decision'], 'allow', 'PGC allows the counterexample under the leaky bundle');

      // Restore the forbid as a new version through the lifecycle (two people; the gate proves it).
      const source = starterPolicies()['no-pii-to-external-channels.1']!;
      const resubmitted = await call(
        'PUT',
        `${url['integrity']}/api/v1/policies/no-pii-to-external-channels.1`,
        admin,
        {
          source,
        },
      );
      assert.equal(resubmitted.status, 200, JSON.stringify(resubmitted.json));
      assert.equal(
        (await call('POST', `${url['integrity']}/api/v1/policies/no-pii-to-external-channels.1/verify`, admin)).status,
        200,
      );
      assert.equal(
        (await call('POST', `${url['integrity']}/api/v1/policies/no-pii-to-external-channels.1/approve`, reviewer))
          .status,
        200,
      );
      const activated = await call(
        'POST',
        `${url['integrity']}/api/v1/policies/no-pii-to-external-channels.1/activate`,
        reviewer,
      );
      assert.equal(activated.status, 200, JSON.stringify(activated.json));
      await waitFor(
        async () => (await enforced()).includes('no-pii-to-external-channels.1'),
        10_000,
        'the forbid in force again',
      );
      const holds = await call('POST', `${url['fv']}/api/v1/verify/policy?wait=60`, admin, {
        policy: { text: CARD_PERMIT },
        mode: 'add',
      });
      // Conformance holds again; the permit itself is shadowed by the forbid, which the one verdict reports.
      assert.equal(holds.json['report'].conformance.verdict, 'holds', JSON.stringify(holds.json['report']));
      assert.equal(holds.json['verdict'], 'violated');
    } finally {
      stack.child.kill('SIGTERM');
      assert.equal(await stack.exited, 0);
    }
  });

  // The built CLI, as users run it (a second or two sooner per command than through tsx).
  it('acgs verify answers on the same data by exit code, and writes its solver queries as SMT-LIB2', async () => {
    const env = { ACGS_DATA_DIR: dataDir };
    const smtlib = join(dataDir, 'smtlib');
    const holds = await runCliToEnd(
      ['verify', 'property', '--condition', CARD_TO_EXTERNAL, '--json', '--smtlib', smtlib],
      env,
      { built: true },
    );
    assert.equal(holds.code, 0, holds.output);
    assert.match(holds.output, /"verdict": "holds"/);
    const files = readdirSync(smtlib);
    assert.match(holds.output, new RegExp(`${files.length} solver queries written`));
    assert.ok(files.length >= 1);
    for (const file of files) {
      const script = readFileSync(join(smtlib, file), 'utf8');
      assert.ok(script.startsWith('(set-logic ALL)\n') && script.endsWith('(check-sat)\n'), file);
    }
    const violated = await runCliToEnd(
      ['verify', 'property', '--condition', 'action == Action::"send_external"'],
      env,
      { built: true },
    );
    assert.equal(violated.code, 1, violated.output);
    assert.match(violated.output, /property: VIOLATED/);
    const bad = await runCliToEnd(['verify', 'property', '--condition', 'context.pii.contains('], env, { built: true });
    assert.equal(bad.code, 64, bad.output);

    // acgs bundle build is gated too: a bundle leaking payment cards is refused, the starter bundle is built.
    const leaky = join(dataDir, 'leaky.cedar');
    writeFileSync(
      leaky,
      Object.entries(starterPolicies())
        .filter(([id]) => id !== 'no-pii-to-external-channels.1')
        .map(([, text]) => text)
        .join('\n\n'),
    );
    const refused = await runCliToEnd(['bundle', 'build', leaky], env, { built: true });
    assert.equal(refused.code, 1, refused.output);
    assert.match(
      refused.output,
      /change set \d+ did not verify against constitution v1 \(violated\): principle no-pii-to-external-channels .*counterexample/,
    );
    const built = await runCliToEnd(['bundle', 'build'], env, { built: true });
    assert.equal(built.code, 0, built.output);
    assert.match(built.output, /activated bundle v\d+/);
    assert.match(built.output, /change set \d+: \d+ version\(s\) put in force, 0 removed; constitution v1/);

    // The CLI judges the bundle in force against the constitution in force, as fv /health and the console do.
    const judged = await runCliToEnd(['verify', 'bundle'], env, { built: true });
    assert.equal(judged.code, 0, judged.output);
    assert.match(judged.output, /bundle: HOLDS \(bundle v\d+ against constitution v1\)/);
    assert.match(judged.output, /no problems: every constraint holds/);

    // The store and the bundle agree after a build; a store edited behind the platform's back is found and repaired.
    const agreed = await runCliToEnd(['doctor'], env, { built: true });
    assert.match(agreed.output, /store vs bundle\s+OK\s+the policies active in the store are the bundle in force/);
    assert.match(agreed.output, /constitution enforced\s+OK\s+constitution v1 is enforced by bundle v\d+/);
    await sqlOnStoppedStack(
      null,
      dataDir,
      `UPDATE policies SET status = 'revoked' WHERE policy_id = 'no-pii-to-external-channels.1' AND status = 'active'`,
    );
    const drifted = await runCliToEnd(['doctor'], env, { built: true });
    assert.match(
      drifted.output,
      /store vs bundle\s+FAIL\s+in bundle v\d+ but not active in the store: no-pii-to-external-channels\.1/,
    );
    assert.match(drifted.output, /fix: run `acgs bundle build --from-active`/);
    const repaired = await runCliToEnd(['bundle', 'build', '--from-active'], env, { built: true });
    assert.equal(repaired.code, 0, repaired.output);
    const again = await runCliToEnd(['doctor'], env, { built: true });
    assert.match(again.output, /store vs bundle\s+OK/);
  });
});
