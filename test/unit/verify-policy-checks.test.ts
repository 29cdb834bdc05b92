import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { GOVERNANCE_SCHEMA } from '../../src/domain/policy/governance-schema.js';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import { checkAddedPolicy, checkPolicies, policyProblems } from '../../src/domain/verify/policy-checks.js';
import { replay } from '../../src/domain/verify/replay.js';
import { stopZ3 } from '../../src/domain/verify/z3.js';

const STARTER = Object.entries(starterPolicies()).map(([id, text]) => ({ id, text }));
const policy = (id: string, text: string) => ({ id, text });
const VACUOUS = policy(
  'vacuous',
  'forbid (principal, action, resource) when { context.risk > 5 && context.risk < 3 };',
);
const ERRING = policy('erring', 'permit (principal, action, resource) when { principal.trust > 3 };');
const SHADOWED = policy(
  'shadowed',
  'permit (principal, action == Action::"send_external", resource) when { context.secrets };',
);
const DUPLICATE = policy(
  'duplicate',
  starterPolicies()['no-secrets-in-outputs.1']!.replace('@id("no-secrets-in-outputs.1")', ''),
);

after(() => stopZ3());

describe('verification: the symcc checks and AgentCore findings per policy', () => {
  it('the starter bundle: every policy applies, none errors, the permit is reachable; each forbid overlaps it', async () => {
    const report = await checkPolicies(GOVERNANCE_SCHEMA, STARTER);
    assert.equal(report.verdict, 'holds', policyProblems(report).join('; '));
    assert.deepEqual(policyProblems(report), []);
    for (const finding of report.policies) {
      assert.equal(finding.neverErrors.verdict, 'holds');
      assert.equal(finding.applies.verdict, 'holds');
      assert.equal(finding.needed.verdict, 'holds', `${finding.id} is needed`);
      assert.ok(finding.applies.example!.replayed.determining.includes(finding.id), 'the example is Cedar’s');
    }
    const baseline = report.policies.find((finding) => finding.id === 'baseline-governed-actions.1')!;
    assert.equal(
      baseline.escapable.verdict,
      'violated',
      'the baseline permit matches every request (AgentCore: allows all)',
    );
    assert.equal(baseline.reachable!.verdict, 'holds');
    assert.equal(report.overlaps.length, STARTER.length - 1);
    assert.ok(report.overlaps.every((overlap) => overlap.example.replayed.determining.includes(overlap.forbid)));
  });

  it('names a vacuous, an erroring, a shadowed and a redundant policy, each with Cedar’s evidence', async () => {
    const report = await checkPolicies(GOVERNANCE_SCHEMA, [...STARTER, VACUOUS, ERRING, SHADOWED, DUPLICATE]);
    assert.equal(report.verdict, 'violated');
    const by = new Map(report.policies.map((finding) => [finding.id, finding]));
    assert.equal(by.get('vacuous')!.applies.verdict, 'violated');
    const erring = by.get('erring')!.neverErrors;
    assert.equal(erring.verdict, 'violated');
    assert.equal(erring.example!.request.principal.attributes?.['trust'], undefined, 'a principal without trust');
    assert.ok(replay(GOVERNANCE_SCHEMA, [ERRING], erring.example!.request).errors.length > 0);
    assert.equal(by.get('shadowed')!.reachable!.verdict, 'violated');
    assert.equal(by.get('duplicate')!.needed.verdict, 'violated', 'a copy of a forbid changes no decision');
    assert.equal(by.get('no-secrets-in-outputs.1')!.needed.verdict, 'violated', 'nor does the original, beside it');
    assert.deepEqual(
      policyProblems(report).map((line) => line.split(' ')[0]),
      ['vacuous', 'erring', 'shadowed'],
      'redundancy is reported, not counted',
    );
  });

  it('finds a bundle that allows nothing, and one that denies nothing', async () => {
    const nothing = await checkPolicies(GOVERNANCE_SCHEMA, [policy('all', 'forbid (principal, action, resource);')]);
    assert.equal(nothing.allowsSome.verdict, 'violated');
    assert.equal(nothing.deniesSome.verdict, 'holds');
    const everything = await checkPolicies(GOVERNANCE_SCHEMA, [policy('all', 'permit (principal, action, resource);')]);
    assert.equal(everything.deniesSome.verdict, 'violated');
    assert.deepEqual(policyProblems(everything), ['the bundle denies no request']);
  });

  it('a policy joining the bundle: fine when it adds a forbid; refused when it newly shadows a permit', async () => {
    const narrowPermit = policy('memory-permit', 'permit (principal, action == Action::"write_memory", resource);');
    const current = [narrowPermit, policy('base', 'permit (principal, action == Action::"respond", resource);')];
    const harmless = [...current, policy('secrets', starterPolicies()['no-secrets-in-outputs.1']!)];
    const added = await checkAddedPolicy(GOVERNANCE_SCHEMA, current, harmless, 'secrets');
    assert.equal(added.verdict, 'holds', policyProblems(added).join('; '));
    const blanket = policy('no-memory', 'forbid (principal, action == Action::"write_memory", resource);');
    const shadowing = await checkAddedPolicy(GOVERNANCE_SCHEMA, current, [...current, blanket], 'no-memory');
    assert.equal(shadowing.verdict, 'violated');
    assert.deepEqual(shadowing.newlyShadowed, ['memory-permit']);
    assert.deepEqual(policyProblems(shadowing), [
      'memory-permit is newly shadowed: no request is allowed by it any more',
    ]);
  });

  it('a forbid joining an empty bundle is not blamed for a bundle that allowed nothing already', async () => {
    const forbid = policy('secrets', starterPolicies()['no-secrets-in-outputs.1']!);
    const added = await checkAddedPolicy(GOVERNANCE_SCHEMA, [], [forbid], 'secrets');
    assert.equal(added.allowsSome.verdict, 'violated');
    assert.equal(added.verdict, 'holds');
    assert.deepEqual(policyProblems(added), []);
  });
});
