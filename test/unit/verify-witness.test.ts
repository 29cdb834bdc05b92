import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTEXT_RANGES, CONTEXT_VALUES, GOVERNANCE_SCHEMA } from '../../src/domain/policy/governance-schema.js';
import { constraintDomainProblems } from '../../src/domain/constitution/constraint-types.js';
import { STARTER_PRINCIPLES } from '../../src/domain/constitution/starter.js';
import { neverDecidesEach } from '../../src/domain/verify/questions.js';

const PERMIT_ALL = [{ id: 'all', text: 'permit (principal, action, resource);' }];

describe('counterexamples people can read', () => {
  it('shrinks each Long of a violation to the smallest value that still witnesses it', async () => {
    const [answer] = await neverDecidesEach(
      GOVERNANCE_SCHEMA,
      PERMIT_ALL,
      [{ condition: 'context.risk >= 37 && context.injection_score > 12', decision: 'allow' }],
      { smallestCounterexamples: true, contextRanges: CONTEXT_RANGES },
    );
    assert.equal(answer!.verdict, 'violated');
    const context = answer!.counterexamples[0]!.request.context as Record<string, number>;
    assert.equal(context['risk'], 37);
    assert.equal(context['injection_score'], 13);
  });

  it('asks only about requests inside the declared domains when given them', async () => {
    const outside = { condition: 'context.risk > 100 || context.injection_score < 0', decision: 'allow' as const };
    const [within] = await neverDecidesEach(GOVERNANCE_SCHEMA, PERMIT_ALL, [outside], {
      contextRanges: CONTEXT_RANGES,
    });
    assert.equal(within!.verdict, 'holds', 'no request enforcement accepts has such scores');
    const [anywhere] = await neverDecidesEach(GOVERNANCE_SCHEMA, PERMIT_ALL, [outside]);
    assert.equal(anywhere!.verdict, 'violated', 'the domain library alone considers every Long');
  });

  it('keeps classifications among the declared values, in answers and in counterexamples', async () => {
    const domains = { contextRanges: CONTEXT_RANGES, contextValues: CONTEXT_VALUES, smallestCounterexamples: true };
    const [secret, other] = await neverDecidesEach(
      GOVERNANCE_SCHEMA,
      PERMIT_ALL,
      [
        { condition: 'context.data_classification == "secret"', decision: 'allow' },
        {
          condition: 'context.data_classification != "public" && context.data_classification != ""',
          decision: 'allow',
        },
      ],
      domains,
    );
    assert.equal(secret!.verdict, 'holds', 'no request enforcement accepts is classified "secret"');
    assert.equal(other!.verdict, 'violated');
    const classification = (other!.counterexamples[0]!.request.context as Record<string, string>)[
      'data_classification'
    ]!;
    assert.ok(CONTEXT_VALUES['data_classification']!.includes(classification), classification);
    assert.notEqual(classification, 'public');
  });

  it('refuses a principle naming a score or a classification no request can carry', () => {
    const base = STARTER_PRINCIPLES.find((p) => p.key === 'restricted-data-needs-approval')!;
    const principle = {
      ...base,
      constraints: [
        {
          effect: 'forbid' as const,
          actions: ['tool_call'],
          when: [
            { attr: 'context.data_classification', op: 'in' as const, value: ['restricted', 'top-secret'] },
            { attr: 'context.risk', op: 'gte' as const, value: 150 },
          ],
        },
      ],
    };
    assert.deepEqual(
      constraintDomainProblems(principle).map((p) => [p.path, p.message]),
      [
        [
          '/constraints/0/when/0/value',
          'context.data_classification is one of "", "public", "internal", "external", "confidential", "restricted"; "top-secret" is not',
        ],
        ['/constraints/0/when/1/value', 'context.risk takes values 0–100; 150 is outside'],
      ],
    );
    assert.deepEqual(constraintDomainProblems(base), []);
  });
});
