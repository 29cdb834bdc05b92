import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeProblems } from '../../src/domain/constitution/changes.js';
import { constraintProblems } from '../../src/domain/constitution/constraints.js';
import { diffConstitutions } from '../../src/domain/constitution/diff.js';
import { constitutionDocument, constitutionHash } from '../../src/domain/constitution/hash.js';
import { DEFAULT_META_RULES } from '../../src/domain/constitution/meta-rules.js';
import { conflictWarnings } from '../../src/domain/constitution/principles.js';
import { STARTER_CONSTITUTION } from '../../src/domain/constitution/starter.js';
import { tally } from '../../src/domain/constitution/tally.js';
import type { MetaRules, PrincipleContent, Vote } from '../../src/domain/constitution/types.js';
import { KNOWN_ANSWER } from '../support/constitution-vectors.js';

const rules = (overrides: Partial<MetaRules['amendments']> = {}): MetaRules['amendments'] => ({
  ...DEFAULT_META_RULES.amendments,
  ...overrides,
});
const votes = (spec: string): Vote[] => [...spec].map((c) => (c === 'f' ? 'for' : c === 'a' ? 'against' : 'abstain'));

describe('tally', () => {
  it('approves at 2/3 and rejects below it at the deadline', () => {
    assert.equal(tally(votes('ffa'), 5, rules(), true).decided, 'approved');
    assert.equal(tally(votes('ffaa'), 5, rules(), true).decided, 'rejected');
  });
  it('treats a tie as not reaching a 1/2-or-more threshold only when below it', () => {
    const half = rules({ approval_threshold: { numerator: 1, denominator: 2 } });
    assert.equal(tally(votes('ffaa'), 4, half, true).decided, 'approved');
    assert.equal(tally(votes('ffaa'), 4, rules(), true).decided, 'rejected');
  });
  it('rejects when everyone abstains, and expires without quorum', () => {
    assert.equal(tally(votes('nnn'), 3, rules(), true).decided, 'rejected');
    assert.equal(tally(votes('ff'), 5, rules(), true).decided, 'expired');
    assert.equal(tally(votes('ffnn'), 5, rules({ abstentions_count_toward_quorum: false }), true).decided, 'expired');
    assert.equal(tally(votes('ffn'), 5, rules({ abstentions_count_toward_quorum: true }), true).decided, 'approved');
  });
  it('uses a fraction of the council as quorum', () => {
    const fraction = rules({ quorum: { kind: 'fraction', fraction: 0.5 } });
    assert.equal(tally(votes('ff'), 5, fraction, true).decided, 'expired');
    assert.equal(tally(votes('fff'), 5, fraction, true).quorumNeeded, 3);
    assert.equal(tally(votes('fff'), 5, fraction, true).decided, 'approved');
  });
  it('closes early only when the members yet to vote cannot change the outcome', () => {
    assert.equal(tally(votes('fff'), 3, rules(), false).decided, 'approved');
    assert.equal(tally(votes('fff'), 5, rules(), false).decided, null, '3 for, 2 could still vote against: 3/5 < 2/3');
    assert.equal(
      tally(votes('ffff'), 5, rules(), false).decided,
      'approved',
      '4 for, 1 left: 4/5 ≥ 2/3 whatever it votes',
    );
    assert.equal(tally(votes('aaa'), 5, rules(), false).decided, 'rejected', 'even 2 more for: 2/5 < 2/3');
    assert.equal(tally(votes('ff'), 3, rules(), false).decided, null, 'quorum of 3 not met yet');
  });
});

describe('constitution hash', () => {
  it('matches the documented known-answer vectors', () => {
    assert.equal(constitutionHash(KNOWN_ANSWER.document), KNOWN_ANSWER.hash);
    assert.equal(
      constitutionHash(constitutionDocument(STARTER_CONSTITUTION.principles, STARTER_CONSTITUTION.meta_rules)),
      KNOWN_ANSWER.starterHash,
    );
  });
  it('depends on content only: principle order and object key order do not matter', () => {
    const reversed = [...STARTER_CONSTITUTION.principles]
      .reverse()
      .map((principle) => Object.fromEntries(Object.entries(principle).reverse()) as unknown as PrincipleContent);
    assert.equal(
      constitutionHash(constitutionDocument(reversed, STARTER_CONSTITUTION.meta_rules)),
      KNOWN_ANSWER.starterHash,
    );
    const changed = STARTER_CONSTITUTION.principles.map((principle, index) =>
      index === 0 ? { ...principle, priority: 2 } : principle,
    );
    assert.notEqual(
      constitutionHash(constitutionDocument(changed, STARTER_CONSTITUTION.meta_rules)),
      KNOWN_ANSWER.starterHash,
    );
  });
});

describe('constraints', () => {
  it('accepts the starter constraints', () => {
    for (const principle of STARTER_CONSTITUTION.principles)
      assert.deepEqual(constraintProblems(principle.constraints), [], principle.key);
  });
  it('names the path of each problem', () => {
    const problems = constraintProblems([
      { effect: 'deny', actions: [] },
      {
        effect: 'forbid',
        actions: ['send_external'],
        when: [
          { attr: 'context.pii', op: 'containsAny', value: 'ssn' },
          { attr: 'pii', op: 'eq', value: 1 },
        ],
        colour: 'red',
      },
    ]);
    const paths = problems.map((problem) => problem.path);
    assert.ok(paths.includes('/constraints/0/effect'));
    assert.ok(paths.includes('/constraints/0/actions'));
    assert.ok(paths.includes('/constraints/1/when/0/value'));
    assert.ok(paths.includes('/constraints/1/when/1/attr'));
    assert.ok(paths.includes('/constraints/1/colour'));
    assert.deepEqual(constraintProblems({}), [{ path: '/constraints', message: 'must be an array of constraints' }]);
  });
});

describe('conflict warnings and change checks', () => {
  const base = STARTER_CONSTITUTION.principles;
  const permitExternal: PrincipleContent = {
    ...base[1]!,
    key: 'allow-partner-sharing',
    constraints: [
      {
        effect: 'permit',
        actions: ['send_external'],
        when: [{ attr: 'context.pii', op: 'containsAny', value: ['email'] }],
      },
    ],
  };
  it('warns about a conditioned permit overlapping a forbid, not about the baseline permit', () => {
    const warnings = conflictWarnings(permitExternal, base);
    // Every forbid on send_external whose conditions can hold together with "pii contains email" is reported.
    assert.deepEqual(
      warnings.map((warning) => warning.conflicts_with),
      ['no-pii-to-external-channels', 'no-secrets-in-outputs', 'withhold-unsafe-outputs'],
    );
    const disjoint: PrincipleContent = {
      ...permitExternal,
      constraints: [
        {
          effect: 'permit',
          actions: ['retrieve'],
          when: [{ attr: 'context.data_classification', op: 'eq', value: 'public' }],
        },
      ],
    };
    assert.deepEqual(conflictWarnings(disjoint, base), [], 'eq public cannot overlap eq restricted');
    assert.deepEqual(conflictWarnings(base[1]!, base), []);
  });
  it('refuses unknown keys, duplicate keys and double changes', () => {
    const current = { principles: [...base], meta_rules: DEFAULT_META_RULES };
    const problems = changeProblems(
      [
        { op: 'repeal_principle', key: 'no-such-principle' },
        { op: 'add_principle', principle: base[2]! },
        { op: 'modify_principle', key: 'equal-treatment', changes: { priority: 90 } },
        { op: 'repeal_principle', key: 'equal-treatment' },
      ],
      current,
      new Set(),
    );
    assert.deepEqual(
      problems.map((problem) => problem.path),
      ['/changes/0/key', '/changes/1/principle/key', '/changes/3'],
    );
  });
  it('diffs added, removed and modified principles and meta-rules', () => {
    const from = { principles: [...base], meta_rules: DEFAULT_META_RULES };
    const to = {
      principles: [
        ...base
          .filter((principle) => principle.key !== 'audit-everything')
          .map((principle) => (principle.key === 'equal-treatment' ? { ...principle, priority: 90 } : principle)),
        permitExternal,
      ],
      meta_rules: { ...DEFAULT_META_RULES, amendments: { ...DEFAULT_META_RULES.amendments, voting_period_hours: 24 } },
    };
    const diff = diffConstitutions(from, to);
    assert.deepEqual(
      diff.principles.added.map((principle) => principle.key),
      ['allow-partner-sharing'],
    );
    assert.deepEqual(
      diff.principles.removed.map((principle) => principle.key),
      ['audit-everything'],
    );
    assert.deepEqual(diff.principles.modified, [
      { key: 'equal-treatment', changes: { priority: { from: 80, to: 90 } } },
    ]);
    assert.deepEqual(diff.meta_rules, { voting_period_hours: { from: 72, to: 24 } });
  });
});
