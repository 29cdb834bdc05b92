import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STARTER_PRINCIPLES } from '../../src/domain/constitution/starter.js';
import type { Condition, Constraint, PrincipleContent } from '../../src/domain/constitution/types.js';
import { policyMetadata, validatePolicies } from '../../src/domain/policy/cedar.js';
import { GOVERNANCE_SCHEMA } from '../../src/domain/policy/governance-schema.js';
import { schemaShape } from '../../src/domain/policy/schema-shape.js';
import { compilePrinciples, policyMap, UncompilableConstraints } from '../../src/domain/synthesis/compiler.js';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import { constitutionPolicies } from '../../src/domain/verify/conformance.js';
import { relatePolicies } from '../../src/domain/verify/relations.js';
import { STARTER_ORACLE } from '../support/starter-oracle.js';

const SHAPE = schemaShape(GOVERNANCE_SCHEMA);
const list = (policies: Readonly<Record<string, string>>) =>
  Object.entries(policies).map(([id, text]) => ({ id, text }));

const principle = (key: string, constraints: Constraint[], resourceTypes = ['Tool', 'Channel', 'Document']) => ({
  ...STARTER_PRINCIPLES[0]!,
  key,
  scope: { actions: ['tool_call', 'send_external', 'retrieve'], resource_types: resourceTypes },
  constraints,
});

// One condition per operator and attribute kind: context (required), principal and resource (optional, on some types).
const CONDITIONS: [string, Condition][] = [
  ['eq string', { attr: 'context.data_classification', op: 'eq', value: 'payment "card" \\ ü' }],
  ['eq bool', { attr: 'context.human_approved', op: 'eq', value: false }],
  ['eq long', { attr: 'context.risk', op: 'eq', value: -7 }],
  ['neq', { attr: 'context.tool', op: 'neq', value: 'shell' }],
  ['in', { attr: 'context.tool', op: 'in', value: ['shell', 'browser'] }],
  ['contains', { attr: 'context.pii', op: 'contains', value: 'ssn' }],
  ['containsAny', { attr: 'context.keyword_lists', op: 'containsAny', value: ['a', 'b'] }],
  ['containsAll', { attr: 'context.unsafe_categories', op: 'containsAll', value: ['hate', 'weapons'] }],
  ['gt', { attr: 'context.injection_score', op: 'gt', value: 50 }],
  ['gte', { attr: 'context.risk', op: 'gte', value: 70 }],
  ['lt', { attr: 'context.risk', op: 'lt', value: 9_007_199_254_740_991 }],
  ['lte', { attr: 'context.risk', op: 'lte', value: -9_007_199_254_740_991 }],
  ['is_true', { attr: 'context.secrets', op: 'is_true' }],
  ['is_false', { attr: 'context.human_approved', op: 'is_false' }],
  ['principal attribute on one type', { attr: 'principal.role', op: 'eq', value: 'intern' }],
  ['principal attribute on two types', { attr: 'principal.trust', op: 'lt', value: 3 }],
  ['resource attribute', { attr: 'resource.classification', op: 'in', value: ['secret', 'restricted'] }],
  ['resource bool attribute', { attr: 'resource.external', op: 'is_true' }],
];

const SHAPES: [string, (condition: Condition) => Constraint][] = [
  ['forbid when', (c) => ({ effect: 'forbid', actions: ['tool_call', 'send_external', 'retrieve'], when: [c] })],
  ['forbid unless', (c) => ({ effect: 'forbid', actions: ['send_external'], unless: [c] })],
  [
    'forbid when and unless, two resource types',
    (c) => ({
      effect: 'forbid',
      actions: ['tool_call', 'send_external', 'retrieve'],
      resource_types: ['Channel', 'Document'],
      when: [c, { attr: 'context.risk', op: 'gte', value: 1 }],
      unless: [c, { attr: 'context.human_approved', op: 'is_true' }],
      obligations: ['require_human_review', 'redact'],
    }),
  ],
  [
    'permit, one resource type',
    (c) => ({
      effect: 'permit',
      actions: ['tool_call', 'send_external', 'retrieve'],
      // The one type that has the attribute a resource condition reads.
      resource_types: [{ 'resource.classification': 'Document', 'resource.external': 'Channel' }[c.attr] ?? 'Tool'],
      when: [c],
    }),
  ],
];

/** Proves a compiled policy applies to exactly the requests the verifier's own reading of its constraint covers. */
async function assertMeansItsConstraint(key: string, compiled: string, constraint: Constraint) {
  const direct = constitutionPolicies([principle(key, [constraint])]);
  const relation = await relatePolicies(GOVERNANCE_SCHEMA, [{ id: 'compiled', text: compiled }], direct, 'matches');
  assert.equal(
    relation.equivalent.verdict,
    'holds',
    `${key}: ${JSON.stringify(relation.equivalent.example ?? relation.equivalent.detail)}\n${compiled}`,
  );
}

describe('the constraint compiler', () => {
  for (const [shapeName, build] of SHAPES)
    it(`compiles every operator as "${shapeName}" to Cedar that validates and means its constraint`, async () => {
      for (const [conditionName, condition] of CONDITIONS) {
        const constraint = build(condition);
        const key = `case-${conditionName.replace(/[^a-z]+/g, '-')}`;
        const [compiled] = compilePrinciples([principle(key, [constraint])], SHAPE);
        assert.equal(compiled!.id, `${key}.1`);
        assert.deepEqual(validatePolicies({ [compiled!.id]: compiled!.text }, GOVERNANCE_SCHEMA), [], compiled!.text);
        const annotations = policyMetadata(compiled!.text).annotations;
        assert.equal(annotations['id'], `${key}.1`);
        assert.equal(annotations['principle'], key);
        assert.equal(annotations['generated_by'], 'compiler');
        assert.equal(annotations['obligation'], constraint.obligations?.join(', '));
        await assertMeansItsConstraint(key, compiled!.text, constraint);
      }
    });

  it('numbers policies per principle in constraint order and skips principles without constraints', () => {
    const two = principle('two', [
      { effect: 'permit', actions: ['tool_call'] },
      { effect: 'forbid', actions: ['tool_call'], when: [{ attr: 'context.secrets', op: 'is_true' }] },
    ]);
    const compiled = compilePrinciples([two, principle('none', [])], SHAPE);
    assert.deepEqual(
      compiled.map((policy) => [policy.id, policy.principle, policy.constraint]),
      [
        ['two.1', 'two', 0],
        ['two.2', 'two', 1],
      ],
    );
  });

  it('is deterministic: the same constitution compiles to byte-identical text', () => {
    const first = policyMap(compilePrinciples(STARTER_PRINCIPLES, SHAPE));
    const again = policyMap(compilePrinciples(structuredClone(STARTER_PRINCIPLES) as PrincipleContent[], SHAPE));
    assert.equal(JSON.stringify(again), JSON.stringify(first));
    assert.equal(
      first['human-approval-for-high-risk-tools.1'],
      [
        '@generated_by("compiler")',
        '@id("human-approval-for-high-risk-tools.1")',
        '@obligation("require_human_review")',
        '@principle("human-approval-for-high-risk-tools")',
        'forbid (',
        '  principal,',
        '  action == Action::"tool_call",',
        '  resource',
        ')',
        'when { context.risk >= 70 }',
        'unless { context.human_approved };',
      ].join('\n'),
    );
  });

  const refused: [string, Constraint, RegExp][] = [
    [
      'an attribute nothing has',
      { effect: 'forbid', actions: ['tool_call'], when: [{ attr: 'principal.salary', op: 'gt', value: 1 }] },
      /^bad\/constraints\/0\/when\/0\/attr: no principal type/,
    ],
    [
      'an ordering on a string',
      { effect: 'forbid', actions: ['tool_call'], when: [{ attr: 'context.tool', op: 'lt', value: 3 }] },
      /^bad\/constraints\/0\/when\/0\/op: lt tests a Long attribute/,
    ],
    [
      'an unknown action',
      { effect: 'forbid', actions: ['launch_missiles'] },
      /^bad\/constraints\/0\/actions\/0: "launch_missiles" is not an action/,
    ],
    [
      'a malformed operator',
      { effect: 'forbid', actions: ['tool_call'], when: [{ attr: 'context.risk', op: 'between' as 'gt', value: 1 }] },
      /^bad\/constraints\/0\/when\/0\/op: must be one of/,
    ],
    [
      'an unknown obligation',
      { effect: 'forbid', actions: ['tool_call'], obligations: ['notify_press'] },
      /^bad\/constraints\/0\/obligations: must be an array of/,
    ],
  ];
  for (const [name, constraint, expected] of refused)
    it(`refuses ${name}, naming the principle and the constraint`, () => {
      assert.throws(
        () => compilePrinciples([principle('good', []), principle('bad', [constraint])], SHAPE),
        (error: unknown) => {
          assert.ok(error instanceof UncompilableConstraints);
          assert.match(error.message, expected);
          assert.ok(error.problems.every((problem) => problem.principle === 'bad'));
          return true;
        },
      );
    });
});

describe('the starter bundle', () => {
  it('is compiled from the starter constitution and validates strictly', () => {
    const policies = starterPolicies();
    assert.deepEqual(validatePolicies(policies, GOVERNANCE_SCHEMA), []);
    for (const text of Object.values(policies))
      assert.equal(policyMetadata(text).annotations['generated_by'], 'compiler');
    // One policy per constraint, numbered within its principle.
    assert.deepEqual(
      Object.keys(policies),
      STARTER_PRINCIPLES.flatMap((p) => p.constraints.map((_, index) => `${p.key}.${index + 1}`)),
    );
  });

  it('decides every request as the hand-written oracle does', async () => {
    const relation = await relatePolicies(GOVERNANCE_SCHEMA, list(starterPolicies()), list(STARTER_ORACLE), 'allows');
    assert.equal(relation.equivalent.verdict, 'holds', JSON.stringify(relation.equivalent.example));
  });

  it('matches, principle by principle, what the oracle policies of the same principle match, with their obligations', async () => {
    const compiled = Object.values(starterPolicies()).map((text) => policyMetadata(text));
    const byPrinciple = (policies: Readonly<Record<string, string>>, key: string) =>
      Object.entries(policies)
        .filter(([, text]) => policyMetadata(text).annotations['principle'] === key)
        .map(([id, text]) => ({ id, text }));
    const principles = new Set(
      Object.values(STARTER_ORACLE).map((text) => policyMetadata(text).annotations['principle']!),
    );
    for (const key of principles) {
      const oracle = byPrinciple(STARTER_ORACLE, key);
      const mine = byPrinciple(starterPolicies(), key);
      assert.equal(mine.length, oracle.length, key);
      const obligations = (policies: { text: string }[]) =>
        policies.map(({ text }) => policyMetadata(text).annotations['obligation']).sort();
      assert.deepEqual(obligations(mine), obligations(oracle), key);
      const relation = await relatePolicies(GOVERNANCE_SCHEMA, mine, oracle, 'matches');
      assert.equal(relation.equivalent.verdict, 'holds', `${key}: ${JSON.stringify(relation.equivalent.example)}`);
    }
    assert.equal(compiled.filter((metadata) => metadata.annotations['obligation'] !== undefined).length, 6);
  });
});
