import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { constraintTypeProblems } from '../../src/domain/constitution/constraint-types.js';
import { STARTER_PRINCIPLES } from '../../src/domain/constitution/starter.js';
import type { Constraint, PrincipleContent } from '../../src/domain/constitution/types.js';
import { GOVERNANCE_SCHEMA } from '../../src/domain/policy/governance-schema.js';
import { schemaShape } from '../../src/domain/policy/schema-shape.js';

const SHAPE = schemaShape(GOVERNANCE_SCHEMA);
const principle = (constraint: Constraint, resourceTypes = ['Tool', 'Channel']): PrincipleContent => ({
  ...STARTER_PRINCIPLES[0]!,
  scope: { actions: ['tool_call', 'send_external'], resource_types: resourceTypes },
  constraints: [constraint],
});
const problems = (constraint: Constraint, resourceTypes?: string[]) =>
  constraintTypeProblems(principle(constraint, resourceTypes), SHAPE).map(({ path, message }) => `${path}: ${message}`);

describe('constraints type-check against the governance schema', () => {
  it('every starter principle type-checks', () => {
    for (const starter of STARTER_PRINCIPLES) assert.deepEqual(constraintTypeProblems(starter, SHAPE), [], starter.key);
  });

  const cases: [string, Constraint, RegExp][] = [
    [
      'an attribute the context does not have',
      { effect: 'forbid', actions: ['tool_call'], when: [{ attr: 'context.nonexistent', op: 'is_true' }] },
      /^\/constraints\/0\/when\/0\/attr: the request context has no attribute "nonexistent"/,
    ],
    [
      'an ordering on a set',
      { effect: 'forbid', actions: ['tool_call'], when: [{ attr: 'context.pii', op: 'gte', value: 3 }] },
      /^\/constraints\/0\/when\/0\/op: gte tests a Long attribute; context\.pii is a Set<String>/,
    ],
    [
      'a Long compared with a string',
      { effect: 'forbid', actions: ['tool_call'], when: [{ attr: 'context.risk', op: 'eq', value: 'high' }] },
      /^\/constraints\/0\/when\/0\/value: context\.risk is a Long: eq needs a Long value/,
    ],
    [
      'a resource type the actions do not apply to',
      { effect: 'forbid', actions: ['tool_call'], resource_types: ['Spaceship'] },
      /^\/constraints\/0\/resource_types\/0: "Spaceship" is not a resource type of these actions/,
    ],
    [
      'a resource type outside the principle’s scope',
      { effect: 'forbid', actions: ['tool_call'], resource_types: ['Dataset'] },
      /^\/constraints\/0\/resource_types\/0: "Dataset" is outside the principle's scope\.resource_types/,
    ],
    [
      'an unsafe integer',
      { effect: 'forbid', actions: ['tool_call'], when: [{ attr: 'context.risk', op: 'gt', value: 2 ** 60 }] },
      /^\/constraints\/0\/when\/0\/value: integers must be safe integers/,
    ],
    [
      'an entity attribute no type of these actions has',
      { effect: 'forbid', actions: ['tool_call'], when: [{ attr: 'resource.colour', op: 'is_true' }] },
      /^\/constraints\/0\/when\/0\/attr: no resource type these actions apply to .* has an attribute "colour"/,
    ],
    [
      'an action the schema does not have',
      { effect: 'forbid', actions: ['teleport'] },
      /^\/constraints\/0\/actions\/0: "teleport" is not an action of the schema/,
    ],
    [
      'equality on a set',
      { effect: 'forbid', actions: ['tool_call'], when: [{ attr: 'context.pii', op: 'eq', value: 'ssn' }] },
      /^\/constraints\/0\/when\/0\/op: context\.pii is a set/,
    ],
  ];
  for (const [what, constraint, expected] of cases)
    it(`refuses ${what}, pointing at the field`, () => {
      const found = problems(constraint);
      assert.equal(found.length, 1, found.join('\n'));
      assert.match(found[0]!, expected);
    });

  it('accepts what fits: an entity attribute of one resource type, a string in a list, a set member', () => {
    assert.deepEqual(
      problems({
        effect: 'forbid',
        actions: ['tool_call'],
        resource_types: ['Tool'],
        when: [
          { attr: 'resource.risk', op: 'gte', value: 70 },
          { attr: 'context.tool', op: 'in', value: ['shell', 'payments'] },
          { attr: 'context.pii', op: 'contains', value: 'ssn' },
        ],
        unless: [{ attr: 'principal.trust', op: 'gt', value: 90 }],
      }),
      [],
    );
  });
});
