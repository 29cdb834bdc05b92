import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTEXT_RANGES, GOVERNANCE_SCHEMA } from '../../src/domain/policy/governance-schema.js';
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
});
