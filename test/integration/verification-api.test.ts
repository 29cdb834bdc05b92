import assert from 'node:assert/strict';
import { constitutionReader } from '../../src/services/ac/constitution-reader.js';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import { buildAndActivateBundle } from '../../src/services/integrity/bundle-builder.js';
import { amendConstitution } from '../support/constitution.js';
import { waitFor } from '../support/process.js';
import {
  apiKeyFor,
  backends,
  createTestApp,
  createTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../support/harness.js';

type Headers = Record<string, string>;

const CARD_PERMIT = `@id("card-out")
@principle("baseline-governed-actions")
permit (principal, action == Action::"send_external", resource) when { context.pii.contains("payment_card") };`;
const withoutPiiForbid = Object.fromEntries(
  Object.entries(starterPolicies()).filter(([id]) => id !== 'no-pii-to-external-channels.1'),
);

for (const backend of await backends()) {
  describe(`verification API on ${backend}`, () => {
    let env: TestPlatform;
    let fv: FastifyInstance;
    let pgc: FastifyInstance;
    let ac: FastifyInstance;
    let manager: Headers;
    let agent: Headers;

    before(async () => {
      env = await createTestPlatform(backend);
      ac = await createTestApp('ac', env.platform);
      pgc = await createTestApp('pgc', env.platform);
      fv = await createTestApp('fv', env.platform);
      manager = (await tokenFor(env.platform, ['policy_manager'])).headers;
      agent = (await apiKeyFor(env.platform)).headers;
    });
    after(async () => {
      for (const app of [fv, pgc, ac]) await app.close();
      await env.cleanup();
    });

    const ask = (kind: string, payload: object, headers: Headers = manager) =>
      fv.inject({ method: 'POST', url: `/api/v1/verify/${kind}?wait=60`, headers, payload });
    const evaluate = (payload: object) =>
      pgc.inject({ method: 'POST', url: '/api/v1/enforcement/evaluate', headers: agent, payload });
    const enforcing = async (hash: string) =>
      waitFor(
        async () =>
          (await pgc.inject({ method: 'GET', url: '/api/v1/enforcement/rules', headers: manager })).json()
            .bundle_hash === hash,
        10_000,
        'PGC to enforce the new bundle',
      );

    it('finds the payment-card leak a permit opens in a bundle without the pii forbid, which PGC indeed allows; holds again with the forbid', async () => {
      const leaky = await buildAndActivateBundle(env.platform, constitutionReader, withoutPiiForbid, null);
      await enforcing(leaky.hash);
      const violated = await ask('policy', { policy: { text: CARD_PERMIT }, mode: 'add' });
      assert.equal(violated.statusCode, 200, violated.body);
      const job = violated.json();
      assert.equal(job.status, 'done');
      assert.equal(job.verdict, 'violated');
      const finding = job.report.conformance.constraints.find(
        (c: { principle: string }) => c.principle === 'no-pii-to-external-channels',
      );
      assert.equal(finding.verdict, 'violated');
      const example = finding.counterexamples[0].request;
      assert.ok(example.context.pii.length > 0);
      const decided = await evaluate({
        principal: example.principal,
        action: example.action,
        resource: example.resource,
        context: example.context,
      });
      assert.equal(decided.statusCode, 200, decided.body);
      assert.equal(decided.json().decision, 'allow', 'PGC allows the counterexample under the leaky bundle');

      const fixed = await buildAndActivateBundle(env.platform, constitutionReader, starterPolicies(), null);
      await enforcing(fixed.hash);
      const holds = (await ask('policy', { policy: { text: CARD_PERMIT }, mode: 'add' })).json();
      assert.equal(holds.report.conformance.verdict, 'holds', JSON.stringify(holds));
      assert.equal(holds.report.conformance.translation.verdict, 'equivalent');
      // Conformance holds, but the permit is shadowed by the forbid: the report's one verdict is the worst of both.
      assert.equal(holds.verdict, 'violated');
      assert.match(holds.report.problems.join('\n'), /card-out is shadowed/);
      assert.equal(holds.report.mode, 'add');
      // Replacing is the default: an id the bundle does not have is a 404, never a silent addition.
      const unknown = await ask('policy', { policy: { text: CARD_PERMIT } });
      assert.equal(unknown.statusCode, 404, unknown.body);
      assert.equal(unknown.json().error_code, 'REPLACED_POLICY_NOT_FOUND');
      assert.match(unknown.json().detail, /no policy "card-out" to replace; send mode "add"/);
      const taken = await ask('policy', {
        policy: { text: starterPolicies()['no-pii-to-external-channels.1']! },
        mode: 'add',
      });
      assert.equal(taken.statusCode, 400, taken.body);
      assert.equal(taken.json().error_code, 'POLICY_EXISTS_IN_BUNDLE');
    });

    it('shows the impact of removing the pii forbid symbolically and on the decisions recorded', async () => {
      const leak = {
        principal: { type: 'Agent', id: 'bot' },
        action: 'send_external',
        resource: { type: 'Channel', id: 'mail' },
        context: { pii: ['email'] },
      };
      for (let i = 0; i < 3; i += 1) assert.equal((await evaluate(leak)).json().decision, 'deny');
      const job = (await ask('impact', { remove: ['no-pii-to-external-channels.1'] })).json();
      assert.equal(job.verdict, 'violated', JSON.stringify(job));
      assert.equal(job.report.symbolic.verdict, 'different');
      assert.equal(job.report.symbolic.nowAllowed.request.action, 'send_external');
      assert.equal(job.report.symbolic.nowDenied, null);
      assert.ok(job.report.empirical.flipped >= 3, JSON.stringify(job.report.empirical));
      assert.ok(job.report.empirical.by_action.send_external >= 3);
      assert.ok(job.report.empirical.by_principle['no-pii-to-external-channels'] >= 3);

      // A change that decides nothing differently flips nothing, though a decision recorded under the older, leaky
      // bundle (the card leak allowed above) would be denied by it: both sides replay the same requests now.
      const same = (
        await ask('impact', {
          add: [{ text: `// Reworded, same meaning.\n${starterPolicies()['no-pii-to-external-channels.1']!}` }],
        })
      ).json();
      assert.equal(same.report.symbolic.verdict, 'equivalent', JSON.stringify(same.report));
      assert.equal(same.report.empirical.flipped, 0, JSON.stringify(same.report.empirical));
      assert.equal(same.verdict, 'holds');
    });

    it('answers a property, stores the report hash in the audit log, and lists jobs', async () => {
      const job = (await ask('property', { condition: 'context.secrets && action == Action::"respond"' })).json();
      assert.equal(job.verdict, 'holds');
      const logged = await env.platform.db.query<{ details: { report_hash: string } }>(
        `SELECT details FROM audit_logs WHERE action = 'verification.completed' AND resource = $1`,
        [`verification:${job.id}`],
      );
      assert.equal(logged[0]?.details.report_hash, job.report_hash);
      assert.equal(job.progress.stage, 'property');
      assert.ok(job.progress.solver_calls >= 1, 'the solver calls it made are counted');
      const listed = (
        await fv.inject({ method: 'GET', url: '/api/v1/verify/jobs?kind=property', headers: manager })
      ).json();
      assert.equal(listed.items[0].id, job.id);

      // The same questions in the constitution's constraint form.
      const card = {
        actions: ['send_external'],
        when: [{ attr: 'context.pii', op: 'contains', value: 'payment_card' }],
      };
      const matched = (await ask('property', { matching: card })).json();
      assert.equal(matched.verdict, 'holds', JSON.stringify(matched.report));
      assert.match(matched.report.condition, /context\.pii\.contains\("payment_card"\)/);
      const everyRespond = (await ask('property', { matching: { actions: ['respond'] }, never: 'deny' })).json();
      assert.equal(everyRespond.verdict, 'violated', 'some responses are denied (secrets, unsafe content)');
      assert.equal(everyRespond.report.counterexamples[0].replayed.decision, 'deny');
      const illTyped = await ask('property', {
        matching: { actions: ['respond'], when: [{ attr: 'context.pii', op: 'gte', value: 1 }] },
      });
      assert.equal(illTyped.statusCode, 400);
      assert.equal(illTyped.json().error_code, 'INVALID_CONDITION');
      assert.match(illTyped.json().detail, /^\/matching\/when\/0\/op: gte tests a Long attribute/);
      const both = await ask('property', { matching: card, condition: 'context.secrets' });
      assert.equal(both.statusCode, 400);
    });

    it('refuses bad questions with 4xx and queues nothing', async () => {
      const count = async () =>
        // Jobs people asked for: the conformance watch queues its own whenever a bundle is activated.
        (
          await env.platform.db.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM verification_jobs WHERE created_by IS NOT NULL',
          )
        )[0]!.n;
      const before = await count();
      const cases: [string, object, number, string][] = [
        ['property', { condition: 'context.secrets &&' }, 400, 'INVALID_CONDITION'],
        ['policy', { policy: { text: 'permit (principal, action, resource);' } }, 400, 'POLICY_ID_REQUIRED'],
        [
          'policy',
          { policy: { id: 'x', text: 'permit (principal, action, resource) when { context.nope };' } },
          400,
          'INVALID_POLICY',
        ],
        ['impact', { remove: ['no-such-policy'] }, 400, 'POLICY_NOT_IN_BUNDLE'],
        ['bundle', { bundle_version: 999 }, 404, 'BUNDLE_NOT_FOUND'],
        ['bundle', { extra: 1 }, 400, 'VALIDATION_ERROR'],
      ];
      for (const [kind, payload, status, code] of cases) {
        const answer = await ask(kind, payload);
        assert.equal(answer.statusCode, status, `${kind} ${JSON.stringify(payload)}: ${answer.body}`);
        assert.equal(answer.json().error_code, code);
      }
      assert.equal((await ask('bundle', {}, agent)).statusCode, 403);
      assert.equal(await count(), before);
    });

    it('compares two policy sets on what they allow and what they match (symcc implies, equivalent, disjoint)', async () => {
      const leaky = Object.entries(withoutPiiForbid).map(([id, text]) => ({ id, text }));
      const job = (await ask('compare', { left: {}, right: { policies: leaky } })).json();
      assert.equal(job.status, 'done', JSON.stringify(job));
      assert.equal(job.verdict, 'violated', 'not equivalent');
      assert.equal(job.report.basis, 'allows');
      assert.equal(job.report.implies.verdict, 'holds', 'whatever the bundle in force allows, the leaky set allows');
      assert.equal(job.report.impliedBy.verdict, 'violated');
      assert.equal(job.report.impliedBy.example.request.action, 'send_external');
      const matches = (
        await ask('compare', {
          left: { policies: [{ text: starterPolicies()['no-pii-to-external-channels.1']! }] },
          right: { policies: [{ text: starterPolicies()['no-sensitive-pii-in-memory.1']! }] },
          basis: 'matches',
        })
      ).json();
      assert.equal(matches.report.disjoint.verdict, 'holds', 'send_external and write_memory never meet');
      const twice = await ask('compare', {
        left: { policies: [{ text: CARD_PERMIT }, { text: CARD_PERMIT }] },
        right: {},
      });
      assert.equal(twice.statusCode, 400);
      assert.equal(twice.json().error_code, 'INVALID_POLICY');
    });

    it('measures group fairness on labelled requests as a dry run and on recorded decisions, and refuses groups too small', async () => {
      const context = (inputs: string[]) => ({
        pii: [],
        risk: 10,
        tool: 'search',
        secrets: false,
        keyword_lists: [],
        human_approved: false,
        decision_inputs: inputs,
        injection_score: 0,
        unsafe_categories: [],
        data_classification: 'public',
      });
      // Group b's requests often carry a protected attribute as a decision input, which the bundle forbids.
      const requests = ['a', 'b'].flatMap((group) =>
        Array.from({ length: 40 }, (_, i) => ({
          group,
          request: {
            principal: { type: 'User', id: `${group}-${i}` },
            action: 'respond',
            resource: { type: 'Document', id: 'doc' },
            context: context(group === 'b' && i < 30 ? ['religion'] : []),
          },
        })),
      );
      const dry = (await ask('fairness', { requests, resamples: 500 })).json();
      assert.equal(dry.status, 'done', JSON.stringify(dry));
      assert.deepEqual(
        dry.report.groups.map((g: { group: string; selection_rate: number }) => [g.group, g.selection_rate]),
        [
          ['a', 1],
          ['b', 0.25],
        ],
      );
      assert.equal(dry.report.disparate_impact_ratio.value, 0.25);
      assert.equal(dry.report.disparate_impact_ratio.four_fifths_rule, 'fails');
      assert.equal(dry.verdict, 'violated');
      const decisionsBefore = (
        await env.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM decisions')
      )[0]!.n;

      for (const [role, protectedShare] of [
        ['analyst', 0],
        ['intern', 20],
      ] as const)
        for (let i = 0; i < 40; i += 1)
          assert.equal(
            (
              await evaluate({
                principal: { type: 'User', id: `${role}-${i}`, attributes: { role } },
                action: 'respond',
                resource: { type: 'Document', id: 'doc' },
                context: { decision_inputs: i < protectedShare ? ['age'] : [] },
              })
            ).statusCode,
            200,
          );
      const recorded = (await ask('fairness', { recorded: { group_by: 'principal.role' }, resamples: 500 })).json();
      assert.equal(recorded.status, 'done', JSON.stringify(recorded));
      const rates = Object.fromEntries(
        recorded.report.groups.map((g: { group: string; n: number; selection_rate: number }) => [
          g.group,
          [g.n, g.selection_rate],
        ]),
      );
      assert.deepEqual(rates, { analyst: [40, 1], intern: [40, 0.5] });
      assert.ok(recorded.report.ungrouped > 0, 'earlier decisions without a role are left out and counted');
      assert.equal(recorded.report.disparate_impact_ratio.four_fifths_rule, 'fails');
      assert.equal(
        (await env.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM decisions'))[0]!.n,
        decisionsBefore + 80,
        'the dry run logged nothing; the 80 evaluate calls did',
      );

      const refused: [object, RegExp][] = [
        [{ requests: requests.slice(0, 50) }, /smaller than 30 say nothing: b \(10\)/],
        [{ requests, recorded: { group_by: 'principal.role' } }, /exactly one of requests and recorded/],
        [
          {
            requests: [{ ...requests[0]!, request: { ...requests[0]!.request, action: 'fly' } }, ...requests.slice(1)],
          },
          /^requests\/0: /,
        ],
        [{ recorded: { group_by: 'principal.owner' } }, /compares groups: found 0/],
      ];
      for (const [body, detail] of refused) {
        const response = await ask('fairness', body);
        assert.equal(response.statusCode, 400, response.body);
        assert.equal(response.json().error_code, 'INVALID_FAIRNESS_INPUT');
        assert.match(response.json().detail, detail);
      }
    });

    it('re-verifies the bundle in force when an amendment is enacted, and /health says it no longer conforms', async () => {
      const health = async () => (await fv.inject({ method: 'GET', url: '/health' })).json();
      await waitFor(
        async () =>
          (await health()).checks.bundle_conformance?.status === 'up' &&
          /constitution v1$/.test((await health()).checks.bundle_conformance.backend),
        60_000,
        'the bundle in force checked against constitution v1',
      );
      const enacted = await amendConstitution(ac, env.platform, [
        {
          op: 'add_principle',
          principle: {
            key: 'no-shell-tools',
            title: 'No shell tools',
            description: 'Agents do not run shell commands.',
            category: 'safety',
            priority: 95,
            scope: { actions: ['tool_call'], resource_types: ['Tool'] },
            normative_statement: 'An agent must not call a shell tool.',
            rationale: 'A shell can do anything.',
            constraints: [
              { effect: 'forbid', actions: ['tool_call'], when: [{ attr: 'context.tool', op: 'eq', value: 'shell' }] },
            ],
          },
        },
      ]);
      assert.equal(enacted.version, 2);
      await waitFor(
        async () => (await health()).checks.bundle_conformance?.status === 'down',
        60_000,
        'fv to report the bundle in force as not conforming',
      );
      const after = await health();
      assert.equal(after.status, 'degraded');
      // The reason a person can act on: the principle, a counterexample, and what stands between enacted and enforced.
      assert.match(
        after.checks.bundle_conformance.backend,
        /constitution v2 \(constitution v2 enacted; bundle v\d+ in force implements v1; no change set proposed yet/,
      );
      assert.match(
        after.checks.bundle_conformance.error,
        /violated against constitution v2: principle no-shell-tools \(constraint 0, forbid\): violated; counterexample .*"shell".* is allowed/,
      );
      const metrics = (await fv.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /^acgs_fv_bundle_conforms\{[^}]*\} 0$/m);
      const jobs = (
        await fv.inject({ method: 'GET', url: '/api/v1/verify/jobs?kind=bundle', headers: manager })
      ).json();
      const check = jobs.items.find(
        (job: { request: Record<string, unknown> }) => job.request['constitution_hash'] === enacted.hash,
      );
      assert.equal(check.verdict, 'violated');
      const finding = check.report.conformance.constraints.find(
        (c: { principle: string }) => c.principle === 'no-shell-tools',
      );
      assert.equal(finding.verdict, 'violated');
      assert.equal(finding.counterexamples[0].request.context.tool, 'shell');
      assert.equal(finding.counterexamples[0].replayed.decision, 'allow', 'the bundle in force allows a shell call');
      const audited = await env.platform.db.query(
        `SELECT 1 FROM audit_logs WHERE action = 'verification.completed' AND resource = $1`,
        [`verification:${check.id}`],
      );
      assert.equal(audited.length, 1);
    });
  });
}
