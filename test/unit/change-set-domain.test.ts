import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { Type } from '@sinclair/typebox';
import { applyChange, approveChangeSet, changeShapeProblems } from '../../src/domain/policy/change-set.js';
import { governanceState } from '../../src/domain/policy/governance-state.js';
import { OneOf } from '../../src/platform/http/schemas.js';
import { describeValidation } from '../../src/platform/http/validation-messages.js';

describe('change sets, as the domain sees them', () => {
  it('makes the next bundle from the one in force: removals out, versions in, ids in order', () => {
    const next = applyChange(
      { b: 'B1', a: 'A1', c: 'C1' },
      [
        { policy_id: 'b', text: 'B2' },
        { policy_id: 'd', text: 'D1' },
      ],
      ['c'],
    );
    assert.deepEqual(Object.entries(next), [
      ['a', 'A1'],
      ['b', 'B2'],
      ['d', 'D1'],
    ]);
  });

  it('refuses a set whose meaning would depend on order, or that changes nothing', () => {
    assert.deepEqual(changeShapeProblems([{ policy_id: 'a', version: 1 }], ['a']), [
      'policies named more than once: a',
    ]);
    assert.deepEqual(changeShapeProblems([], []), ['a change set puts or removes at least one policy']);
    assert.deepEqual(changeShapeProblems([{ policy_id: 'a', version: 2 }], ['b']), []);
  });

  it('approves by the two-person rule: never its author, a version author or a system actor; two people when asked', () => {
    const set = { status: 'verified' as const, author: 'alice', approvals_required: 1, first_approved_by: null };
    assert.throws(() => approveChangeSet(set, [], 'alice'), { errorCode: 'TWO_PERSON_RULE' });
    assert.throws(() => approveChangeSet(set, ['bob'], 'bob'), { errorCode: 'TWO_PERSON_RULE' });
    assert.throws(() => approveChangeSet(set, [], null), { errorCode: 'TWO_PERSON_RULE' });
    assert.equal(approveChangeSet(set, ['bob'], 'carol').status, 'approved');
    assert.throws(() => approveChangeSet({ ...set, status: 'proposed' }, [], 'carol'), {
      errorCode: 'CHANGE_SET_STATE',
    });
    const two = { ...set, approvals_required: 2 };
    const first = approveChangeSet(two, [], 'carol');
    assert.deepEqual(first, { status: 'verified', firstApprover: 'carol', approvalsSoFar: 1 });
    assert.throws(() => approveChangeSet({ ...two, first_approved_by: 'carol' }, [], 'carol'), {
      errorCode: 'SECOND_APPROVER_REQUIRED',
    });
    assert.equal(approveChangeSet({ ...two, first_approved_by: 'carol' }, [], 'dave').status, 'approved');
  });

  it('names what stands between the constitution enacted and the bundle enforced', () => {
    const constitution = { version: 3, hash: 'h3', enacted_at: '2026-12-06T14:00:00.000Z' };
    const bundle = { version: 8, hash: 'b8', constitution_version: 2 };
    const set = {
      id: 12,
      status: 'verified' as const,
      reason: null,
      created_at: '2026-12-06T14:01:00.000Z',
      verified_at: '2026-12-06T14:02:00.000Z',
      approved_at: null,
      approvals_required: 1,
      first_approved_by: null,
    };
    const waiting = governanceState({ constitution, bundle, changeSet: set });
    assert.equal(waiting.state, 'awaiting_approval');
    assert.equal(
      waiting.reason,
      'constitution v3 enacted; bundle v8 in force implements v2; change set 12 awaiting approval by a second person since 2026-12-06T14:02:00.000Z',
    );
    assert.equal(waiting.since, set.verified_at);
    assert.equal(governanceState({ constitution, bundle, changeSet: null }).state, 'awaiting_change_set');
    assert.equal(
      governanceState({ constitution, bundle, changeSet: { ...set, status: 'superseded' } }).state,
      'awaiting_change_set',
    );
    assert.match(
      governanceState({
        constitution,
        bundle,
        changeSet: { ...set, status: 'rejected', reason: 'principle x violated' },
      }).reason,
      /change set 12 failed verification: principle x violated$/,
    );
    assert.equal(
      governanceState({ constitution, bundle: { ...bundle, constitution_version: 3 }, changeSet: set }).state,
      'enforced',
    );
    assert.equal(governanceState({ constitution: null, bundle: null, changeSet: null }).state, 'no_constitution');
  });
});

describe('validation errors in words', () => {
  const ajv = new Ajv({ allErrors: false, strict: false, verbose: true });
  const explain = (schema: object, value: unknown) => {
    const validate = ajv.compile(schema);
    assert.equal(validate(value), false);
    return describeValidation(validate.errors!, 'body');
  };

  it('names the pointer, the allowed values of an enumeration and of a union tag, the properties allowed and the field missing', () => {
    const change = Type.Union([
      Type.Object({ op: Type.Literal('add'), principle: Type.String() }, { additionalProperties: false }),
      Type.Object({ op: Type.Literal('repeal'), key: Type.String() }, { additionalProperties: false }),
    ]);
    const body = Type.Object(
      { status: Type.Optional(OneOf(['open', 'closed'] as const)), changes: Type.Optional(Type.Array(change)) },
      { additionalProperties: false },
    );
    assert.equal(explain(body, { status: 'done' }), '/body/status: must be one of "open", "closed"');
    assert.equal(explain(body, { changes: [{ op: 'rename' }] }), '/body/changes/0/op: must be one of "add", "repeal"');
    assert.equal(explain(body, { changes: [{ op: 'repeal' }] }), '/body/changes/0: missing required property "key"');
    assert.equal(explain(body, { extra: 1 }), '/body/extra: unknown property (allowed here: status, changes)');
    assert.equal(explain(body, { changes: 'x' }), '/body/changes: must be array');
  });
});
