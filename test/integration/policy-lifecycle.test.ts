import assert from 'node:assert/strict';
import { constitutionReader } from '../../src/services/ac/constitution-reader.js';
import { describe, it, type TestContext } from 'node:test';
import { waitFor } from '../support/process.js';
import { checkInclusion } from '../support/rfc9162-check.js';
import { canonicalJson } from '../../src/domain/canonical-json.js';
import { verifyDetached } from '../../src/domain/crypto/openpgp.js';
import { checkBundleLogged } from '../../src/domain/policy/transparency.js';
import { gpgAvailable, gpgVerifies } from '../support/gpg.js';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import { buildAndActivateBundle, ensureStarterBundle } from '../../src/services/integrity/bundle-builder.js';
import {
  backends,
  createTestApp,
  createTestPlatform,
  tokenFor,
  cleanupAfter,
  type Backend,
} from '../support/harness.js';
import { enactConstitution, principlesLeavingToPolicy } from '../support/constitution.js';

/** The activations below must conform: a constitution that leaves these tools to policy (see the helper). */
const OWN_CONSTITUTION = { env: { ACGS_STARTER_CONSTITUTION: 'false' } };

const RULE =
  '@id("no-payments-on-sunday")\n@principle("human-approval-for-high-risk-tools")\nforbid (principal, action == Action::"tool_call", resource is Tool)\nwhen { context.tool == "payments" };';
const payment = {
  principal: { type: 'Agent', id: 'bot' },
  action: 'tool_call',
  resource: { type: 'Tool', id: 'pay' },
  context: { tool: 'payments', risk: 10 },
};

/** The starter constitution and bundle in force, with ac and integrity running; all closed when `t` ends. */
async function starterStack(t: TestContext, backend: Backend) {
  const env = await createTestPlatform(backend);
  const ac = await createTestApp('ac', env.platform);
  const integrity = await createTestApp('integrity', env.platform);
  cleanupAfter(
    t,
    () => integrity.close(),
    () => ac.close(),
    () => env.cleanup(),
  );
  await ensureStarterBundle(env.platform, constitutionReader);
  return { env, integrity };
}

for (const backend of await backends()) {
  describe(`policy lifecycle on ${backend}`, () => {
    it('draft → verified → approved by someone else → active puts the policy in force; revoke takes it out', async (t) => {
      const env = await createTestPlatform(backend, OWN_CONSTITUTION);
      const ac = await createTestApp('ac', env.platform);
      await enactConstitution(ac, env.platform, principlesLeavingToPolicy(['payments', 'wire_transfer']));
      const integrity = await createTestApp('integrity', env.platform);
      const pgc = await createTestApp('pgc', env.platform);
      cleanupAfter(
        t,
        () => pgc.close(),
        () => integrity.close(),
        () => ac.close(),
        () => env.cleanup(),
      );
      const author = await tokenFor(env.platform, ['policy_manager']);
      const reviewer = await tokenFor(env.platform, ['policy_manager']);
      const auditor = await tokenFor(env.platform, ['auditor']);
      const agent = await tokenFor(env.platform, ['agent']);
      const call = (method: 'GET' | 'POST' | 'PUT', url: string, headers: Record<string, string>, payload?: object) =>
        integrity.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
      const decide = async () =>
        (
          await pgc.inject({
            method: 'POST',
            url: '/api/v1/enforcement/evaluate',
            headers: agent.headers,
            payload: payment,
          })
        ).json();
      assert.equal((await decide()).decision, 'allow');

      const created = await call('POST', '/api/v1/policies', author.headers, {
        source: RULE,
        name: 'No Sunday payments',
      });
      assert.equal(created.statusCode, 201, created.body);
      assert.deepEqual(
        { status: created.json().status, version: created.json().version },
        { status: 'draft', version: 1 },
      );
      assert.equal(
        (await call('POST', '/api/v1/policies', author.headers, { source: RULE })).json().error_code,
        'POLICY_EXISTS',
      );
      const early = await call('POST', '/api/v1/policies/no-payments-on-sunday/activate', reviewer.headers);
      assert.equal(early.statusCode, 409);
      assert.equal(early.json().error_code, 'POLICY_STATE');
      const verified = await call('POST', '/api/v1/policies/no-payments-on-sunday/verify', author.headers);
      assert.equal(verified.json().status, 'verified');
      assert.deepEqual(verified.json().verification_report.problems, []);
      const selfApproval = await call('POST', '/api/v1/policies/no-payments-on-sunday/approve', author.headers);
      assert.equal(selfApproval.statusCode, 403);
      assert.equal(selfApproval.json().error_code, 'TWO_PERSON_RULE');
      const approved = await call('POST', '/api/v1/policies/no-payments-on-sunday/approve', reviewer.headers);
      assert.equal(approved.json().approved_by, reviewer.userId);
      assert.equal(
        (await call('POST', '/api/v1/policies/no-payments-on-sunday/approve', auditor.headers)).statusCode,
        403,
      );
      const activated = await call('POST', '/api/v1/policies/no-payments-on-sunday/activate', reviewer.headers);
      assert.equal(activated.json().status, 'active', activated.body);
      await waitFor(async () => (await decide()).decision === 'deny', 5000, 'the new bundle');
      const activeBundle = await call('GET', '/api/v1/bundles/active', agent.headers);
      assert.equal(activeBundle.statusCode, 200);
      const served = activeBundle.json();
      assert.ok(served.bundle.policies.some((p: { id: string }) => p.id === 'no-payments-on-sunday'));
      assert.equal(
        (
          await integrity.inject({
            method: 'GET',
            url: '/api/v1/bundles/active',
            headers: { ...agent.headers, 'if-none-match': String(activeBundle.headers['etag']) },
          })
        ).statusCode,
        304,
      );
      assert.equal(
        (await call('GET', `/api/v1/bundles/${served.bundle.version}`, agent.headers)).json().hash,
        served.hash,
      );
      assert.equal((await call('GET', '/api/v1/bundles/999', agent.headers)).statusCode, 404);
      const keys = (await integrity.inject({ method: 'GET', url: '/api/v1/crypto/keys' })).json().items;
      const signer = keys.find((key: { fingerprint: string }) => key.fingerprint === served.key_fingerprint);
      if (gpgAvailable)
        assert.ok(
          gpgVerifies(signer.armored_public, Buffer.from(canonicalJson(served.bundle)), served.signature),
          'gpg --verify accepts the bundle signature',
        );
      const trusted = async (data: Uint8Array, signature: string) =>
        (
          await verifyDetached(
            data,
            signature,
            keys.map((key: { armored_public: string }) => key.armored_public),
          )
        ).valid;
      assert.equal(served.log_proof.entry.details.hash, served.hash);
      const proof = served.log_proof;
      assert.ok(
        checkInclusion(
          proof.leaf_data,
          proof.entry.leaf_index,
          proof.tree_head.tree_size,
          proof.audit_path,
          proof.tree_head.root_hash,
        ),
        'leaf_data with the audit path reaches the signed root, with no canonicaliser of our own',
      );
      assert.deepEqual(
        await checkBundleLogged(served, served.log_proof, null, trusted),
        { ok: true, head: served.log_proof.tree_head },
        'the bundle comes with a proof that the log shows its activation',
      );
      const seen = served.log_proof.tree_head;
      await env.platform.audit.record({ userId: null, action: 'test.marker', resource: 'test:1' });
      assert.ok((await call('GET', '/api/v1/audit/tree-head', auditor.headers)).json().tree_size > seen.tree_size);
      const later = (
        await call('GET', `/api/v1/bundles/active?since_tree_size=${seen.tree_size}`, agent.headers)
      ).json();
      assert.ok(later.log_proof.tree_head.tree_size > seen.tree_size && later.log_proof.consistency_path.length > 0);
      assert.equal(
        (await checkBundleLogged(later, later.log_proof, seen, trusted)).ok,
        true,
        'a later head is proven consistent with the one seen',
      );
      assert.equal((await call('GET', '/api/v1/bundles/active?since_tree_size=0', agent.headers)).statusCode, 400);
      assert.equal((await decide()).reasons[0].policy_id, 'no-payments-on-sunday');

      const v2 = await call('PUT', '/api/v1/policies/no-payments-on-sunday', author.headers, {
        source: RULE.replace('"payments"', '"wire_transfer"'),
      });
      assert.equal(v2.json().version, 2);
      const v1 = await call('GET', '/api/v1/policies/no-payments-on-sunday/versions/1', auditor.headers);
      assert.equal(v1.statusCode, 200);
      assert.equal(v1.json().source, RULE, 'an old version is served with its own source');
      assert.equal(v1.json().status, 'active');
      const missing = await call('GET', '/api/v1/policies/no-payments-on-sunday/versions/9', auditor.headers);
      assert.equal(missing.json().error_code, 'POLICY_NOT_FOUND');
      assert.equal(
        (await call('GET', '/api/v1/policies/no-payments-on-sunday/versions/0', auditor.headers)).statusCode,
        400,
      );
      assert.equal(
        (
          await call('PUT', '/api/v1/policies/no-payments-on-sunday', author.headers, {
            source: RULE.replace('no-payments-on-sunday', 'renamed'),
          })
        ).json().error_code,
        'POLICY_ID_MISMATCH',
      );
      for (const [step, who] of [
        ['verify', author],
        ['approve', reviewer],
        ['activate', reviewer],
      ] as const) {
        assert.equal(
          (await call('POST', `/api/v1/policies/no-payments-on-sunday/${step}`, who.headers)).statusCode,
          200,
          step,
        );
      }
      const history = (await call('GET', '/api/v1/policies/no-payments-on-sunday', auditor.headers)).json();
      assert.deepEqual(
        history.versions.map((v: { status: string }) => v.status),
        ['active', 'superseded'],
      );
      await waitFor(async () => (await decide()).decision === 'allow', 5000, 'version 2 in force');

      const revoked = await call('POST', '/api/v1/policies/no-payments-on-sunday/revoke', reviewer.headers);
      assert.equal(revoked.json().status, 'revoked', revoked.body);
      const active = (await call('GET', '/api/v1/policies?status=active&limit=200', auditor.headers))
        .json()
        .items.map((p: { policy_id: string }) => p.policy_id);
      assert.ok(!active.includes('no-payments-on-sunday'));
      assert.ok(active.includes('baseline-governed-actions.1'), 'the starter policies live in the store too');
      const rules = (
        await pgc.inject({ method: 'GET', url: '/api/v1/enforcement/rules', headers: agent.headers })
      ).json();
      await waitFor(
        async () =>
          !(await pgc.inject({ method: 'GET', url: '/api/v1/enforcement/rules', headers: agent.headers }))
            .json()
            .policies.some((p: { id: string }) => p.id === 'no-payments-on-sunday'),
        5000,
        'revocation in force',
      );
      assert.ok(rules.policies.length >= 9);

      assert.match(
        (await integrity.inject({ method: 'GET', url: '/metrics' })).body,
        /^acgs_policies\{status="revoked",service="integrity"\} 1$/m,
      );
      const invalid = await call('POST', '/api/v1/policies', author.headers, {
        source: '@id("bad")\npermit (principal, action, resource)\nwhen { context.mood == 1 };',
      });
      assert.equal(invalid.statusCode, 400);
      assert.match(invalid.json().detail, /bad:3:\d+/);
      const actions = (
        await env.platform.db.query<{ action: string }>(
          `SELECT action FROM audit_logs WHERE resource LIKE 'policy:no-payments-on-sunday:%' ORDER BY leaf_index`,
        )
      ).map((r) => r.action);
      assert.deepEqual(actions.slice(0, 5), [
        'policy.submitted',
        'policy.verified',
        'policy.approved',
        'policy.activated',
        'policy.submitted',
      ]);
    });

    it('activations and bundle builds running at once all complete (one lock order: bundle builds before the audit log)', async (t) => {
      const ids = Array.from({ length: 6 }, (_, n) => `tool-limit-${n}`);
      const env = await createTestPlatform(backend, OWN_CONSTITUTION);
      const ac = await createTestApp('ac', env.platform);
      await enactConstitution(ac, env.platform, principlesLeavingToPolicy(ids.map((id) => `tool_${id}`)));
      const integrity = await createTestApp('integrity', env.platform);
      cleanupAfter(
        t,
        () => integrity.close(),
        () => ac.close(),
        () => env.cleanup(),
      );
      const author = await tokenFor(env.platform, ['policy_manager']);
      const reviewer = await tokenFor(env.platform, ['policy_manager']);
      const call = (url: string, headers: Record<string, string>, payload?: object) =>
        integrity.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });
      for (const id of ids) {
        assert.equal(
          (
            await call('/api/v1/policies', author.headers, {
              source: RULE.replace('no-payments-on-sunday', id).replace('"payments"', `"tool_${id}"`),
            })
          ).statusCode,
          201,
        );
        assert.equal((await call(`/api/v1/policies/${id}/verify`, author.headers)).statusCode, 200);
        assert.equal((await call(`/api/v1/policies/${id}/approve`, reviewer.headers)).statusCode, 200);
      }
      await ensureStarterBundle(env.platform, constitutionReader);
      const outcomes = await Promise.all([
        ...ids.map(async (id) => (await call(`/api/v1/policies/${id}/activate`, reviewer.headers)).statusCode),
        ...ids.map(() =>
          buildAndActivateBundle(env.platform, constitutionReader, starterPolicies(), null).then(
            () => 200,
            (error: Error) => error.message,
          ),
        ),
      ]);
      assert.deepEqual(outcomes, Array(ids.length * 2).fill(200));
      const versions = await env.platform.db.query<{ version: number }>(
        'SELECT version FROM policy_bundles ORDER BY version',
      );
      assert.deepEqual(
        versions.map((row) => Number(row.version)),
        Array.from({ length: versions.length }, (_, n) => n + 1),
        'dense bundle versions',
      );
      assert.ok(versions.length >= ids.length * 2 + 1);
    });

    it('refuses to verify, or to activate, a version that breaks a principle, naming it with a counterexample', async (t) => {
      const { env, integrity } = await starterStack(t, backend);
      const author = await tokenFor(env.platform, ['policy_manager']);
      const reviewer = await tokenFor(env.platform, ['policy_manager']);
      const call = (method: 'POST' | 'PUT' | 'GET', url: string, headers: Record<string, string>, payload?: object) =>
        integrity.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
      const url = '/api/v1/policies/no-pii-to-external-channels.1';
      const weakened = (principle: string) =>
        `@id("no-pii-to-external-channels.1")\n@principle("${principle}")\nforbid (principal, action == Action::"send_external", resource)\nwhen { context.pii.contains("ssn") };`;

      assert.equal(
        (await call('PUT', url, author.headers, { source: weakened('no-pii-to-external-channels') })).statusCode,
        200,
      );
      const refused = await call('POST', `${url}/verify`, author.headers);
      assert.equal(refused.statusCode, 409, refused.body);
      assert.equal(refused.json().error_code, 'VERIFICATION_FAILED');
      assert.match(refused.json().detail, /no-pii-to-external-channels.*counterexample/);
      assert.equal((await call('GET', url, author.headers)).json().versions[0].status, 'draft', 'still a draft');

      // Claiming another principle gets it past the verify step; activation proves the whole bundle.
      assert.equal(
        (await call('PUT', url, author.headers, { source: weakened('no-secrets-in-outputs') })).statusCode,
        200,
      );
      assert.equal((await call('POST', `${url}/verify`, author.headers)).statusCode, 200);
      assert.equal((await call('POST', `${url}/approve`, reviewer.headers)).statusCode, 200);
      const bundleBefore = (await call('GET', '/api/v1/bundles/active', author.headers)).json().hash;
      const blocked = await call('POST', `${url}/activate`, reviewer.headers);
      assert.equal(blocked.statusCode, 409, blocked.body);
      assert.equal(blocked.json().error_code, 'VERIFICATION_FAILED');
      assert.match(
        blocked.json().detail,
        /principle no-pii-to-external-channels .*counterexample .*"send_external".* is allowed/,
      );
      assert.equal((await call('GET', url, author.headers)).json().versions[0].status, 'approved');
      assert.equal((await call('GET', '/api/v1/bundles/active', author.headers)).json().hash, bundleBefore);
    });

    it('refuses to verify a policy that is vacuous, can error, or shadows a permit in force, saying which', async (t) => {
      const { env, integrity } = await starterStack(t, backend);
      const author = await tokenFor(env.platform, ['policy_manager']);
      const call = (method: 'POST' | 'GET', url: string, payload?: object) =>
        integrity.inject({ method, url, headers: author.headers, ...(payload === undefined ? {} : { payload }) });
      // [id, claimed principle, policy, why it is refused]. The erring permit claims a forbid principle: claiming the
      // baseline it is refused earlier, as PGC denies whatever it errors on.
      const cases: [string, string, string, RegExp][] = [
        [
          'never-fires',
          'baseline-governed-actions',
          'forbid (principal, action == Action::"tool_call", resource) when { context.risk > 90 && context.risk < 10 };',
          /never-fires is vacuous/,
        ],
        [
          'scaled-risk',
          'no-secrets-in-outputs',
          // Overflows from risk 10 on, within the 0–100 a request can carry (one factor of 10^14 never overflows there).
          'permit (principal, action == Action::"tool_call", resource) when { context.risk * 1000000000 * 1000000000 > 5 };',
          /scaled-risk can error e\.g\. .*"risk":([1-9]\d|100)\b/,
        ],
        [
          'leak-secrets',
          'baseline-governed-actions',
          'permit (principal, action == Action::"respond", resource) when { context.secrets };',
          /leak-secrets is shadowed/,
        ],
      ];
      for (const [id, principle, body, reason] of cases) {
        const source = `@id("${id}")\n@principle("${principle}")\n${body}`;
        const created = await call('POST', '/api/v1/policies', { source });
        assert.equal(created.statusCode, 201, created.body);
        const refused = await call('POST', `/api/v1/policies/${id}/verify`);
        // An unexpected answer carries the errors the service logged, so a failure says its cause.
        const logged = env.logs.filter((line) => Number(line['level']) >= 50);
        assert.equal(refused.statusCode, 409, `${refused.body} ${JSON.stringify(logged)}`);
        assert.equal(refused.json().error_code, 'VERIFICATION_FAILED');
        assert.match(refused.json().detail, reason);
        assert.equal((await call('GET', `/api/v1/policies/${id}`)).json().versions[0].status, 'draft');
      }
    });
  });
}
