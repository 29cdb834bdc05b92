import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { GOVERNANCE_SCHEMA } from '../../src/domain/policy/governance-schema.js';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import { STARTER_PRINCIPLES } from '../../src/domain/constitution/starter.js';
import { checkConformance } from '../../src/domain/verify/conformance.js';
import { compareBundles, neverAllowed, symbolicDecisions } from '../../src/domain/verify/questions.js';
import { PreparsedPolicies, replay } from '../../src/domain/verify/replay.js';
import { stopZ3 } from '../../src/domain/verify/z3.js';
import { CedarGenerator, random } from '../support/cedar-generator.js';
import { CASES, casePolicies } from '../support/verify-cases.js';

const STARTER = Object.entries(starterPolicies()).map(([id, text]) => ({ id, text }));
const withoutPiiForbid = STARTER.filter((policy) => policy.id !== 'no-pii-to-external-channels.1');
const CARD_TO_EXTERNAL = 'action == Action::"send_external" && context.pii.contains("payment_card")';
const permitAll = { id: 'all', text: 'permit (principal, action, resource);' };

after(() => stopZ3());

describe('verification: properties over the starter bundle', () => {
  it('proves that no payment card reaches send_external under the starter bundle', async () => {
    const answer = await neverAllowed(GOVERNANCE_SCHEMA, STARTER, CARD_TO_EXTERNAL);
    assert.equal(answer.verdict, 'holds', JSON.stringify(answer));
  });

  it('finds the counterexample once the pii forbid is gone, and Cedar allows it', async () => {
    const answer = await neverAllowed(GOVERNANCE_SCHEMA, withoutPiiForbid, CARD_TO_EXTERNAL);
    assert.equal(answer.verdict, 'violated');
    const [example] = answer.counterexamples;
    assert.equal(example!.request.action, 'send_external');
    assert.ok((example!.request.context['pii'] as string[]).includes('payment_card'));
    assert.equal(replay(GOVERNANCE_SCHEMA, withoutPiiForbid, example!.request).decision, 'allow');
    assert.equal(replay(GOVERNANCE_SCHEMA, STARTER, example!.request).decision, 'deny', 'the full bundle denies it');
  });

  it('shows the change impact of dropping the forbid: requests newly allowed, none newly denied', async () => {
    const impact = await compareBundles(GOVERNANCE_SCHEMA, STARTER, withoutPiiForbid);
    assert.equal(impact.verdict, 'different');
    assert.equal(impact.nowDenied, null);
    assert.equal(impact.nowAllowed!.request.action, 'send_external');
    assert.deepEqual(impact.nowAllowed!.replayed.determining, ['baseline-governed-actions.1']);
    assert.equal((await compareBundles(GOVERNANCE_SCHEMA, STARTER, [...STARTER].reverse())).verdict, 'equivalent');
  });
});

describe('verification: hand-proved cases, one per construct', () => {
  for (const [what, texts, property, expected] of CASES) {
    it(what, async () => {
      const answer = await neverAllowed(GOVERNANCE_SCHEMA, casePolicies(texts), property);
      assert.equal(answer.verdict, expected, JSON.stringify(answer));
    });
  }

  it('names the construct it does not model instead of guessing', async () => {
    const answer = await neverAllowed(
      GOVERNANCE_SCHEMA,
      [permitAll, { id: 'like', text: 'forbid (principal, action, resource) when { context.tool like "shell*" };' }],
      'context.secrets',
    );
    assert.equal(answer.verdict, 'unsupported');
    assert.match(answer.detail!, /like/);
  });
});

describe('verification: generated policies and requests decide as Cedar decides', () => {
  const bundles = Number(process.env['VERIFY_BUNDLES'] ?? 60);

  /** The encoding's claim on each generated request against Cedar's decision; what was decided how, and mismatches. */
  async function compare(seed: number) {
    const generate = new CedarGenerator(random(seed));
    let cases = 0;
    const seen = { allow: 0, deny: 0, errors: 0 };
    const mismatches: string[] = [];
    for (let b = 0; b < bundles; b += 1) {
      const policies = generate.bundle(1 + (b % 4));
      const requests = Array.from({ length: 10 }, () => generate.request());
      const claimed = await symbolicDecisions(GOVERNANCE_SCHEMA, policies, requests);
      const cedar = new PreparsedPolicies(GOVERNANCE_SCHEMA, policies, 'test:generated');
      requests.forEach((request, i) => {
        cases += 1;
        const replayed = cedar.decide(request);
        const actual = replayed.decision;
        seen[actual] += 1;
        if (replayed.errors.length > 0) seen.errors += 1;
        if (claimed[i] !== actual)
          mismatches.push(
            `${JSON.stringify(policies)}\n${JSON.stringify(request)}\nclaimed ${claimed[i]}, Cedar ${actual}`,
          );
      });
    }
    assert.equal(cases, bundles * 10);
    return { cases, seen, mismatches };
  }

  it(`${bundles} bundles × 10 requests on a fixed seed reach allows, denies and policy errors, all as Cedar decides`, async () => {
    const { cases, seen, mismatches } = await compare(20261201);
    // Cases that all decide alike would prove nothing: the generator must reach allows, denies and policy errors.
    for (const [outcome, count] of Object.entries(seen))
      assert.ok(count >= cases / 100, `only ${count} of ${cases} cases ${outcome}: ${JSON.stringify(seen)}`);
    assert.deepEqual(mismatches.slice(0, 3), [], `${mismatches.length} mismatches of ${cases}`);
  });

  // A new seed each run explores new cases; only mismatches count here (how outcomes spread varies by seed).
  const seed = Number(process.env['VERIFY_SEED'] ?? Date.now() % 100_000);
  it(`${bundles} bundles × 10 more requests, seed ${seed} (VERIFY_SEED to reproduce), all as Cedar decides`, async () => {
    const { cases, mismatches } = await compare(seed);
    assert.deepEqual(mismatches.slice(0, 3), [], `${mismatches.length} mismatches of ${cases}`);
  });
});

describe('verification: the bundle against the constitution', () => {
  it('the starter bundle conforms to every principle of the starter constitution and translates it exactly', async () => {
    const report = await checkConformance(GOVERNANCE_SCHEMA, STARTER, STARTER_PRINCIPLES);
    assert.equal(report.verdict, 'holds', JSON.stringify(report.constraints.filter((c) => c.verdict !== 'holds')));
    assert.equal(report.constraints.length, STARTER_PRINCIPLES.flatMap((p) => p.constraints).length);
    assert.equal(report.translation!.verdict, 'equivalent');
  });

  it('names the principle a bundle without the pii forbid violates, with a request Cedar allows', async () => {
    const report = await checkConformance(GOVERNANCE_SCHEMA, withoutPiiForbid, STARTER_PRINCIPLES);
    assert.equal(report.verdict, 'violated');
    const violated = report.constraints.filter((c) => c.verdict === 'violated');
    assert.deepEqual(
      violated.map((c) => c.principle),
      ['no-pii-to-external-channels'],
    );
    assert.equal(violated[0]!.counterexamples[0]!.replayed.decision, 'allow');
    assert.equal(report.translation!.verdict, 'different');
    assert.notEqual(report.translation!.nowAllowed, null, 'the bundle allows what the constitution denies');
  });

  it('reports a stored principle whose constraint does not type-check as unsupported, never as holding', async () => {
    const illTyped = STARTER_PRINCIPLES.map((principle) =>
      principle.key === 'block-prompt-injection'
        ? {
            ...principle,
            constraints: [
              {
                effect: 'forbid' as const,
                actions: ['generate'],
                when: [{ attr: 'context.injection_score', op: 'eq' as const, value: 'high' }],
              },
            ],
          }
        : principle,
    );
    const report = await checkConformance(GOVERNANCE_SCHEMA, STARTER, illTyped);
    assert.equal(report.verdict, 'unsupported');
    const finding = report.constraints.find((c) => c.principle === 'block-prompt-injection')!;
    assert.equal(finding.verdict, 'unsupported');
    assert.match(finding.detail!, /does not type-check: \/constraints\/0\/when\/0\/value/);
    const baseline = report.constraints.find((c) => c.principle === 'baseline-governed-actions')!;
    assert.equal(baseline.verdict, 'unsupported', 'the permit is checked against every forbid, this one included');
    assert.equal(report.constraints.find((c) => c.principle === 'no-secrets-in-outputs')!.verdict, 'holds');
    assert.equal(report.translation!.verdict, 'unsupported');
  });

  it('finds an over-restrictive bundle against the baseline permit', async () => {
    const strict = [
      ...STARTER,
      { id: 'no-memory', text: 'forbid (principal, action == Action::"write_memory", resource);' },
    ];
    const report = await checkConformance(GOVERNANCE_SCHEMA, strict, STARTER_PRINCIPLES);
    const violated = report.constraints.filter((c) => c.verdict === 'violated');
    assert.deepEqual(
      violated.map((c) => c.principle),
      ['baseline-governed-actions'],
    );
    assert.equal(violated[0]!.counterexamples[0]!.request.action, 'write_memory');
  });
});
