import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { PrincipleContent } from '../../src/domain/constitution/types.js';
import { amendConstitution } from '../support/constitution.js';
import { waitFor } from '../support/process.js';
import { governanceApps, type GovernanceApps } from '../support/governance-apps.js';
import { backends, createTestPlatform, type TestPlatform } from '../support/harness.js';

type Headers = Record<string, string>;

const principle = (
  key: string,
  title: string,
  constraint: PrincipleContent['constraints'][number],
): PrincipleContent => ({
  key,
  title,
  description: title,
  category: 'safety',
  priority: 80,
  scope: { actions: ['tool_call'], resource_types: ['Tool'] },
  normative_statement: title,
  rationale: 'Payments move money.',
  constraints: [constraint],
});

const tool = (name: string) => ({ attr: 'context.tool', op: 'eq' as const, value: name });
const riskAtLeast = (value: number) => ({ attr: 'context.risk', op: 'gte' as const, value });

/** Three principles that are only right together: one permits what the other two restrict. */
const NO_RISKY_PAYMENTS = principle('no-risky-payments', 'Payments at risk 30 or more never run autonomously', {
  effect: 'forbid',
  actions: ['tool_call'],
  when: [tool('payments'), riskAtLeast(30)],
});
const NO_CONFIDENTIAL_PAYMENTS = principle('no-confidential-payments', 'Payments never touch confidential data', {
  effect: 'forbid',
  actions: ['tool_call'],
  when: [tool('payments'), { attr: 'context.data_classification', op: 'eq', value: 'confidential' }],
});
const ROUTINE_PAYMENTS = principle('routine-payments', 'Routine payments (risk under 30) are allowed', {
  effect: 'permit',
  actions: ['tool_call'],
  when: [tool('payments'), { attr: 'context.risk', op: 'lt', value: 30 }],
});

interface Run {
  id: string;
  status: string;
  reason: string | null;
  triggered_by_version: number | null;
  change_set_id: number | null;
}

for (const backend of await backends()) {
  describe(`change sets on ${backend}`, () => {
    let env: TestPlatform;
    let apps: GovernanceApps;
    let ac: FastifyInstance;
    let integrity: FastifyInstance;
    let pgc: FastifyInstance;
    let gs: FastifyInstance;
    let author: Headers;
    let approver: Headers;
    let agent: Headers;

    before(async () => {
      env = await createTestPlatform(backend);
      apps = await governanceApps(env.platform);
      ({ ac, integrity, pgc, gs, author, approver, agent } = apps);
    });
    after(async () => {
      await apps.close();
      await env.cleanup();
    });

    const get = async (url: string) => (await integrity.inject({ method: 'GET', url, headers: author })).json();
    const post = (url: string, headers: Headers, payload?: object) =>
      integrity.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });
    const loopRun = async (version: number, until: (run: Run) => boolean = (r) => r.status !== 'queued') => {
      let found: Run | undefined;
      await waitFor(
        async () => {
          const runs = (await gs.inject({ method: 'GET', url: '/api/v1/synthesize/runs', headers: author })).json();
          found = runs.items.find((r: Run) => r.triggered_by_version === version);
          return found !== undefined && !['queued', 'synthesising', 'verifying'].includes(found.status) && until(found);
        },
        90_000,
        `the governance loop's run for constitution v${version}`,
      );
      return found!;
    };
    const decide = async (context: Record<string, unknown>) =>
      (
        await pgc.inject({
          method: 'POST',
          url: '/api/v1/enforcement/evaluate',
          headers: agent,
          payload: {
            principal: { type: 'Agent', id: 'treasurer' },
            action: 'tool_call',
            resource: { type: 'Tool', id: String(context['tool']) },
            context,
          },
        })
      ).json<{ decision: string; bundle_hash: string; reasons: { principles: string[] }[] }>();
    /** The store's policies in force are exactly the bundle's, text for text. */
    const storeMatchesBundle = async () => {
      const active = await env.platform.db.query<{ policy_id: string; source: string }>(
        `SELECT policy_id, source FROM policies WHERE status = 'active' ORDER BY policy_id`,
      );
      const bundle = (await get('/api/v1/bundles/active')).bundle as { policies: { id: string; text: string }[] };
      assert.deepEqual(
        active.map((row) => [row.policy_id, row.source]),
        [...bundle.policies].sort((a, b) => (a.id < b.id ? -1 : 1)).map((p) => [p.id, p.text]),
      );
    };

    it('takes a three-principle amendment to enforcement as one verified set, one approval by a second person', async () => {
      const enacted = await amendConstitution(
        ac,
        env.platform,
        [NO_RISKY_PAYMENTS, NO_CONFIDENTIAL_PAYMENTS, ROUTINE_PAYMENTS].map((p) => ({
          op: 'add_principle',
          principle: p,
        })),
      );
      const run = await loopRun(enacted.version);
      assert.equal(run.status, 'awaiting_approval', run.reason ?? '');
      assert.notEqual(run.change_set_id, null);
      const set = await get(`/api/v1/change-sets/${run.change_set_id}`);
      assert.equal(set.status, 'verified');
      assert.equal(set.origin, 'amendment');
      assert.equal(set.constitution_version, enacted.version);
      assert.deepEqual(set.put.map((p: { policy_id: string }) => p.policy_id).sort(), [
        'no-confidential-payments.1',
        'no-risky-payments.1',
        'routine-payments.1',
      ]);
      assert.equal(set.verification_report.verdict, 'holds');
      assert.deepEqual(set.verification_report.problems, []);
      // The permit is right and changes no decision under the baseline permit: reported, not refused.
      assert.match(set.verification_report.warnings.join('\n'), /routine-payments\.1 is redundant/);

      const state = await get('/api/v1/change-sets/state');
      assert.equal(state.state, 'awaiting_approval');
      assert.match(
        state.reason,
        new RegExp(
          `constitution v${enacted.version} enacted; .*change set ${set.id} awaiting approval by a second person`,
        ),
      );

      // Enforcement still runs the bundle in force: nothing changed before activation.
      const before = await decide({ tool: 'payments', risk: 50 });
      assert.equal(before.decision, 'allow');

      const early = await post(`/api/v1/change-sets/${set.id}/activate`, approver);
      assert.equal(early.json().error_code, 'CHANGE_SET_STATE', 'activation waits for the approval');
      const approved = await post(`/api/v1/change-sets/${set.id}/approve`, approver);
      assert.equal(approved.statusCode, 200, approved.body);
      assert.equal(approved.json().status, 'approved');

      // Evaluations run while the set goes into force: none stamped after enforcement acknowledged it uses the old one.
      let load = true;
      const stamped: { at: string; hash: string }[] = [];
      const loader = (async () => {
        while (load) {
          const decision = await pgc.inject({
            method: 'POST',
            url: '/api/v1/enforcement/evaluate',
            headers: agent,
            payload: {
              principal: { type: 'Agent', id: 'treasurer' },
              action: 'tool_call',
              resource: { type: 'Tool', id: 'payments' },
              context: { tool: 'payments', risk: 50 },
            },
          });
          const body = decision.json();
          stamped.push({ at: body.evaluated_at, hash: body.bundle_hash });
        }
      })();
      const activated = await post(`/api/v1/change-sets/${set.id}/activate?wait=10`, approver);
      await new Promise((resolve) => setTimeout(resolve, 300));
      load = false;
      await loader;
      assert.equal(activated.statusCode, 200, activated.body);
      const body = activated.json();
      assert.equal(body.status, 'active');
      assert.equal(body.enforcement.acknowledged, true, JSON.stringify(body.enforcement));
      const since = Date.parse(body.enforcement.instances[0].enforcing_since);
      const bundle = await get('/api/v1/bundles/active');
      assert.equal(bundle.bundle.version, body.bundle_version);
      const afterAck = stamped.filter((s) => Date.parse(s.at) > since);
      assert.ok(afterAck.length > 0, 'some decisions were made after the acknowledgement');
      assert.deepEqual([...new Set(afterAck.map((s) => s.hash))], [bundle.hash]);

      const cases: [Record<string, unknown>, string][] = [
        [{ tool: 'payments', risk: 10, data_classification: 'public' }, 'allow'],
        [{ tool: 'payments', risk: 10, data_classification: 'confidential' }, 'deny'],
        [{ tool: 'payments', risk: 50, data_classification: 'public' }, 'deny'],
        [{ tool: 'payments', risk: 50, data_classification: 'confidential' }, 'deny'],
        [{ tool: 'search', risk: 10 }, 'allow'],
        [{ tool: 'payments', risk: 29 }, 'allow'],
        [{ tool: 'payments', risk: 30 }, 'deny'],
      ];
      for (const [context, expected] of cases)
        assert.equal((await decide(context)).decision, expected, JSON.stringify(context));

      assert.equal((await get('/api/v1/change-sets/state')).state, 'enforced');
      const runAfter = (
        await gs.inject({ method: 'GET', url: `/api/v1/synthesize/runs/${run.id}`, headers: author })
      ).json();
      assert.equal(runAfter.status, 'active');
      const policy = await get('/api/v1/policies/no-risky-payments.1');
      assert.equal(policy.status, 'active');
      await storeMatchesBundle();
      // One audit entry for the activation names the constitution version, the set and its verification.
      const entries = await env.platform.db.query<{ details: Record<string, unknown> }>(
        `SELECT details FROM audit_logs WHERE action = 'bundle.activated' AND resource = $1`,
        [`bundle:${body.bundle_version}`],
      );
      assert.equal(entries.length, 1);
      assert.equal(entries[0]!.details['constitution_version'], enacted.version);
      const change = entries[0]!.details['change_set'] as { id: number; verification: { verdict: string } };
      assert.equal(change.id, set.id);
      assert.equal(change.verification.verdict, 'holds');
    });

    it('changes one principle and repeals another in one set: the repealed policy leaves force with it', async () => {
      const enacted = await amendConstitution(ac, env.platform, [
        {
          op: 'modify_principle',
          key: 'no-risky-payments',
          changes: {
            title: 'Payments at risk 20 or more never run autonomously',
            constraints: [{ ...NO_RISKY_PAYMENTS.constraints[0]!, when: [tool('payments'), riskAtLeast(20)] }],
          },
        },
        { op: 'repeal_principle', key: 'routine-payments' },
      ]);
      const run = await loopRun(enacted.version);
      assert.equal(run.status, 'awaiting_approval', run.reason ?? '');
      const set = await get(`/api/v1/change-sets/${run.change_set_id}`);
      assert.deepEqual(set.put, [{ policy_id: 'no-risky-payments.1', version: 2 }]);
      assert.deepEqual(set.remove, ['routine-payments.1']);
      assert.equal((await post(`/api/v1/change-sets/${set.id}/approve`, approver)).statusCode, 200);
      const activated = await post(`/api/v1/change-sets/${set.id}/activate?wait=10`, approver);
      assert.equal(activated.statusCode, 200, activated.body);
      assert.equal((await decide({ tool: 'payments', risk: 25 })).decision, 'deny');
      assert.equal((await decide({ tool: 'payments', risk: 15 })).decision, 'allow');
      assert.equal((await get('/api/v1/policies/routine-payments.1')).status, 'revoked');
      assert.equal((await get('/api/v1/policies/no-risky-payments.1')).status, 'active');
      await storeMatchesBundle();
    });

    it('lets a second amendment enacted before the first set is approved supersede it, carrying both', async () => {
      const forbidTool = (key: string, name: string) =>
        principle(key, `The ${name} tool never runs`, { effect: 'forbid', actions: ['tool_call'], when: [tool(name)] });
      const first = await amendConstitution(ac, env.platform, [
        { op: 'add_principle', principle: forbidTool('no-wire-transfers', 'wire-transfer') },
      ]);
      const firstRun = await loopRun(first.version);
      assert.equal(firstRun.status, 'awaiting_approval', firstRun.reason ?? '');
      const second = await amendConstitution(ac, env.platform, [
        { op: 'add_principle', principle: forbidTool('no-crypto-exchanges', 'crypto-exchange') },
      ]);
      const secondRun = await loopRun(second.version);
      assert.equal(secondRun.status, 'awaiting_approval', secondRun.reason ?? '');
      const superseded = await get(`/api/v1/change-sets/${firstRun.change_set_id}`);
      assert.equal(superseded.status, 'superseded');
      assert.equal(superseded.superseded_by, secondRun.change_set_id);
      const refused = await post(`/api/v1/change-sets/${firstRun.change_set_id}/approve`, approver);
      assert.equal(refused.statusCode, 409);
      assert.equal(refused.json().error_code, 'CHANGE_SET_STATE');
      const set = await get(`/api/v1/change-sets/${secondRun.change_set_id}`);
      assert.deepEqual(set.put.map((p: { policy_id: string }) => p.policy_id).sort(), [
        'no-crypto-exchanges.1',
        'no-wire-transfers.1',
      ]);
      assert.equal((await post(`/api/v1/change-sets/${set.id}/approve`, approver)).statusCode, 200);
      assert.equal((await post(`/api/v1/change-sets/${set.id}/activate?wait=10`, approver)).statusCode, 200);
      assert.equal((await decide({ tool: 'wire-transfer', risk: 0 })).decision, 'deny');
      assert.equal((await decide({ tool: 'crypto-exchange', risk: 0 })).decision, 'deny');
      assert.equal((await get('/api/v1/change-sets/state')).state, 'enforced');
      await storeMatchesBundle();

      // An amendment that changes no constraint gets an empty set, in force at once: the bundle names the new version.
      const reworded = await amendConstitution(ac, env.platform, [
        { op: 'modify_principle', key: 'no-wire-transfers', changes: { title: 'Wire transfers never run' } },
      ]);
      const textOnly = await loopRun(reworded.version);
      assert.equal(textOnly.status, 'active', textOnly.reason ?? '');
      const empty = await get(`/api/v1/change-sets/${textOnly.change_set_id}`);
      assert.deepEqual([empty.status, empty.put, empty.remove, empty.approvals_required], ['active', [], [], 0]);
      const listed = await integrity.inject({ method: 'GET', url: '/api/v1/change-sets', headers: author });
      assert.equal(listed.statusCode, 200, listed.body);
      const state = await get('/api/v1/change-sets/state');
      assert.equal(state.state, 'enforced');
      assert.match(
        state.reason,
        new RegExp(`constitution v${reworded.version} is enforced by bundle v${empty.bundle_version}`),
      );
    });

    it('answers bad input naming the property, the allowed values or the missing field', async () => {
      const base = '/api/v1/constitutional-council/amendments';
      const badOp = await ac.inject({
        method: 'POST',
        url: base,
        headers: author,
        payload: { title: 'x', rationale: 'y', changes: [{ op: 'rename_principle', key: 'a' }] },
      });
      assert.equal(badOp.statusCode, 400, badOp.body);
      assert.match(
        badOp.json().detail,
        /^\/body\/changes\/0\/op: must be one of "add_principle", "modify_principle", "repeal_principle"/,
      );
      const noCategory: Partial<PrincipleContent> = { ...NO_RISKY_PAYMENTS };
      delete noCategory.category;
      const missing = await ac.inject({
        method: 'POST',
        url: base,
        headers: author,
        payload: { title: 'x', rationale: 'y', changes: [{ op: 'add_principle', principle: noCategory }] },
      });
      assert.equal(missing.statusCode, 400, missing.body);
      assert.match(missing.json().detail, /\/body\/changes\/0\/principle: missing required property "category"/);
      const badStatus = await integrity.inject({
        method: 'GET',
        url: '/api/v1/change-sets?status=done',
        headers: author,
      });
      assert.match(
        badStatus.json().detail,
        /^\/querystring\/status: must be one of "proposed", "verified", "rejected"/,
      );
      const extra = await post('/api/v1/change-sets', author, { put: [], remove: [], approve: true });
      assert.match(
        extra.json().detail,
        /^\/body\/approve: unknown property \(allowed here: put, remove, description\)$/,
      );
    });

    it('keeps a set that does not verify out of force, naming the principle and a counterexample', async () => {
      const bundleBefore = (await get('/api/v1/bundles/active')).bundle.version;
      const created = await post('/api/v1/policies', author, {
        source:
          '@id("no-search")\n@principle("baseline-governed-actions")\nforbid (principal, action == Action::"tool_call", resource) when { context.tool == "search" };',
      });
      assert.equal(created.statusCode, 201, created.body);
      const refused = await post('/api/v1/change-sets', author, { put: [{ policy_id: 'no-search' }] });
      assert.equal(refused.statusCode, 409, refused.body);
      assert.equal(refused.json().error_code, 'VERIFICATION_FAILED');
      assert.match(refused.json().detail, /principle baseline-governed-actions .*counterexample .*"search"/);
      const rejected = (await get('/api/v1/change-sets?status=rejected')).items[0];
      assert.deepEqual(rejected.put, [{ policy_id: 'no-search', version: 1 }]);
      // Counterexamples stay inside the declared domains (scores 0–100), as the requests enforcement accepts, ...
      const finding = rejected.verification_report.conformance.constraints.find(
        (c: { verdict: string }) => c.verdict === 'violated',
      );
      const context = finding.counterexamples[0].request.context;
      // ... and are the smallest that witness it: nothing about the scores matters to a forbid on the tool's name.
      assert.equal(context.risk, 0);
      assert.equal(context.injection_score, 0);
      const outside = await pgc.inject({
        method: 'POST',
        url: '/api/v1/enforcement/evaluate',
        headers: agent,
        payload: {
          principal: { type: 'Agent', id: 'treasurer' },
          action: 'tool_call',
          resource: { type: 'Tool', id: 'payments' },
          context: { tool: 'payments', risk: 475713 },
        },
      });
      assert.equal(outside.statusCode, 400, outside.body);
      assert.equal(outside.json().detail, '/body/context/risk: must be <= 100');
      const unclassified = await pgc.inject({
        method: 'POST',
        url: '/api/v1/enforcement/evaluate',
        headers: agent,
        payload: {
          principal: { type: 'Agent', id: 'treasurer' },
          action: 'tool_call',
          resource: { type: 'Tool', id: 'payments' },
          context: { tool: 'payments', data_classification: 'top-secret' },
        },
      });
      assert.equal(unclassified.statusCode, 400, unclassified.body);
      assert.match(unclassified.json().detail, /^\/body\/context\/data_classification: must be one of "", "public"/);
      assert.equal((await get('/api/v1/bundles/active')).bundle.version, bundleBefore);
      assert.equal((await get('/api/v1/policies/no-search')).status, 'draft');
      const withdrawn = await post(`/api/v1/change-sets/${rejected.id}/withdraw`, author, { reason: 'wrong idea' });
      assert.equal(withdrawn.json().status, 'withdrawn', withdrawn.body);
      const again = await post(`/api/v1/change-sets/${rejected.id}/withdraw`, author, { reason: 'twice' });
      assert.equal(again.json().error_code, 'CHANGE_SET_STATE');

      // A set that verifies, proposed by hand (a reworded version of a policy in force): its author may not approve it.
      const current = await get('/api/v1/policies/no-wire-transfers.1');
      const reworded = await integrity.inject({
        method: 'PUT',
        url: '/api/v1/policies/no-wire-transfers.1',
        headers: author,
        payload: { source: `// Reviewed: wire transfers stay blocked.\n${current.source}` },
      });
      assert.equal(reworded.statusCode, 200, reworded.body);
      const proposed = await post('/api/v1/change-sets', author, {
        put: [{ policy_id: 'no-wire-transfers.1', version: reworded.json().version }],
        description: 'a comment for reviewers',
      });
      assert.equal(proposed.statusCode, 201, proposed.body);
      assert.equal(proposed.json().status, 'verified');
      const own = await post(`/api/v1/change-sets/${proposed.json().id}/approve`, author);
      assert.equal(own.statusCode, 403);
      assert.equal(own.json().error_code, 'TWO_PERSON_RULE');
      const bad = await post('/api/v1/change-sets', author, {
        put: [{ policy_id: 'no-wire-transfers.1' }],
        remove: ['no-wire-transfers.1'],
      });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error_code, 'INVALID_CHANGE_SET');
      const absent = await post('/api/v1/change-sets', author, { put: [], remove: ['not-in-force'] });
      assert.equal(absent.json().error_code, 'INVALID_CHANGE_SET');
      assert.match(absent.json().detail, /not-in-force/);
      assert.equal((await post(`/api/v1/change-sets/${proposed.json().id}/approve`, approver)).statusCode, 200);
      const activated = await post(`/api/v1/change-sets/${proposed.json().id}/activate`, author);
      assert.equal(activated.statusCode, 200, activated.body);
      assert.equal(activated.json().bundle_version, bundleBefore + 1);
      await storeMatchesBundle();
    });
  });
}
