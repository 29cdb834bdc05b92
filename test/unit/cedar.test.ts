import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { annotationValues, policyMetadata, principleKeys, validatePolicies } from '../../src/domain/policy/cedar.js';
import { GOVERNANCE_SCHEMA } from '../../src/domain/policy/governance-schema.js';

describe('Cedar policy rules (domain/policy/cedar.ts)', () => {
  it('accepts policies that parse and type-check against the governance schema', () => {
    const problems = validatePolicies(
      {
        'deny-secrets': 'forbid (principal, action == Action::"respond", resource) when { context.secrets };',
        'allow-all': 'permit (principal, action, resource);',
      },
      GOVERNANCE_SCHEMA,
    );
    assert.deepEqual(problems, []);
  });

  it('names the policy, line and column of a parse error', () => {
    const [problem, ...rest] = validatePolicies(
      { broken: 'permit (principal, action, resource)\nwhen { context.secrets ==  };' },
      GOVERNANCE_SCHEMA,
    );
    assert.equal(rest.length, 0, JSON.stringify(rest));
    assert.equal(problem!.policy_id, 'broken');
    assert.equal(problem!.line, 2);
    assert.ok(problem!.column !== null && problem!.column > 1, JSON.stringify(problem));
  });

  it('names the policy and place of a type error (an attribute the schema does not have)', () => {
    const problems = validatePolicies(
      {
        fine: 'permit (principal, action, resource);',
        typo: 'forbid (principal, action, resource)\n  when { context.secret };',
      },
      GOVERNANCE_SCHEMA,
    );
    assert.ok(problems.length >= 1);
    assert.ok(
      problems.every((problem) => problem.policy_id === 'typo'),
      JSON.stringify(problems),
    );
    assert.equal(problems[0]!.line, 2);
  });

  it('reads effect, scoped actions and entity types, and annotations', () => {
    const meta = policyMetadata(
      '@id("p1")\n@principle("privacy, safety")\nforbid (principal is Agent, action in [Action::"respond", Action::"generate"], resource == Channel::"email");',
    );
    assert.equal(meta.effect, 'forbid');
    assert.deepEqual(meta.actions, ['respond', 'generate']);
    assert.equal(meta.principalType, 'Agent');
    assert.equal(meta.resourceType, 'Channel');
    assert.deepEqual(meta.annotations, { id: 'p1', principle: 'privacy, safety' });
  });

  it('reports an unscoped policy as applying to every action and type', () => {
    const meta = policyMetadata('permit (principal, action, resource);');
    assert.equal(meta.effect, 'permit');
    assert.equal(meta.actions, null);
    assert.equal(meta.principalType, null);
    assert.equal(meta.resourceType, null);
  });

  it('treats `in` on a principal as any type, since the hierarchy may reach other types', () => {
    assert.equal(policyMetadata('permit (principal in User::"team", action, resource);').principalType, null);
  });

  it('refuses text that is not one policy', () => {
    assert.throws(() => policyMetadata('permit (principal, action'));
  });

  it('splits comma-separated annotation values, dropping blanks', () => {
    assert.deepEqual(annotationValues(' a, b ,, c '), ['a', 'b', 'c']);
    assert.deepEqual(annotationValues(undefined), []);
    assert.deepEqual(principleKeys('@principle("privacy,fairness")\npermit (principal, action, resource);'), [
      'privacy',
      'fairness',
    ]);
    assert.deepEqual(principleKeys('permit (principal, action, resource);'), []);
  });
});
