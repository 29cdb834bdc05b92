import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { GOVERNANCE_SCHEMA } from '../../src/domain/policy/governance-schema.js';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import { relatePolicies } from '../../src/domain/verify/relations.js';
import { stopZ3 } from '../../src/domain/verify/z3.js';

const STARTER = Object.entries(starterPolicies()).map(([id, text]) => ({ id, text }));
const leaky = STARTER.filter((policy) => policy.id !== 'no-pii-to-external-channels.1');
const one = (id: string, text: string) => [{ id, text }];

after(() => stopZ3());

describe('verification: symcc pairwise questions with known answers', () => {
  it('matches-implies: a respond-only rule implies one on respond and send_external, not the other way', async () => {
    const narrow = one('narrow', 'permit (principal, action == Action::"respond", resource) when { context.secrets };');
    const wide = one(
      'wide',
      'forbid (principal, action in [Action::"respond", Action::"send_external"], resource) when { context.secrets };',
    );
    const relation = await relatePolicies(GOVERNANCE_SCHEMA, narrow, wide, 'matches');
    assert.equal(relation.implies.verdict, 'holds', 'effects do not matter for matching');
    assert.equal(relation.impliedBy.verdict, 'violated');
    assert.equal(relation.impliedBy.example!.request.action, 'send_external');
    assert.equal(relation.equivalent.verdict, 'violated');
    assert.equal(relation.disjoint.verdict, 'violated', 'a secret respond matches both');
  });

  it('matches-equivalent: when { X } and unless { !(X) }, even where X errors', async () => {
    const when = one('w', 'permit (principal, action, resource) when { principal.trust > 5 };');
    const unless = one('u', 'permit (principal, action, resource) unless { !(principal.trust > 5) };');
    assert.equal((await relatePolicies(GOVERNANCE_SCHEMA, when, unless, 'matches')).equivalent.verdict, 'holds');
  });

  it('matches-disjoint: risk above 50 and below 10 never meet', async () => {
    const high = one('h', 'forbid (principal, action, resource) when { context.risk > 50 };');
    const low = one('l', 'permit (principal, action, resource) when { context.risk < 10 };');
    const relation = await relatePolicies(GOVERNANCE_SCHEMA, high, low, 'matches');
    assert.equal(relation.disjoint.verdict, 'holds');
    assert.equal(relation.implies.verdict, 'violated');
  });

  it('bundles: what the starter bundle allows the leaky one allows too, not conversely; they are not disjoint', async () => {
    const relation = await relatePolicies(GOVERNANCE_SCHEMA, STARTER, leaky, 'allows');
    assert.equal(relation.implies.verdict, 'holds');
    assert.equal(relation.impliedBy.verdict, 'violated');
    assert.equal(relation.impliedBy.example!.request.action, 'send_external');
    assert.equal(relation.impliedBy.example!.replayed.decision, 'deny', 'the starter bundle denies the example');
    assert.equal(relation.disjoint.verdict, 'violated');
    assert.equal(
      (await relatePolicies(GOVERNANCE_SCHEMA, STARTER, [...STARTER].reverse(), 'allows')).equivalent.verdict,
      'holds',
    );
  });
});
