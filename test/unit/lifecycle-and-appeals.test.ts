import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertMayAppeal, assertMayResolve, decidingPolicies, type Appeal } from '../../src/domain/appeals/appeals.js';
import { AppError } from '../../src/domain/errors.js';
import {
  approval,
  approvalsRequired,
  POLICY_STATUSES,
  transition,
  type PolicyAction,
} from '../../src/domain/policy/lifecycle.js';

const refusedWith = (code: string) => (error: unknown) => error instanceof AppError && error.errorCode === code;

describe('policy lifecycle rules', () => {
  it('allows exactly draft → verified → approved → active, and revoking anything not yet retired', () => {
    const allowed: Record<PolicyAction, string[]> = {
      verify: ['draft'],
      approve: ['verified'],
      activate: ['approved'],
      revoke: ['draft', 'verified', 'approved', 'active'],
    };
    for (const action of Object.keys(allowed) as PolicyAction[]) {
      for (const status of POLICY_STATUSES) {
        if (allowed[action].includes(status))
          assert.doesNotThrow(() => transition(action, status, 'a', 'b'), `${action} ${status}`);
        else
          assert.throws(() => transition(action, status, 'a', 'b'), refusedWith('POLICY_STATE'), `${action} ${status}`);
      }
    }
    assert.equal(transition('activate', 'approved', 'a', 'b'), 'active');
  });

  it('never lets the author approve their own version, but lets them do every other step', () => {
    assert.throws(() => transition('approve', 'verified', 'author', 'author'), refusedWith('TWO_PERSON_RULE'));
    assert.equal(transition('approve', 'verified', 'reviewer', 'author'), 'approved');
    assert.equal(transition('verify', 'draft', 'author', 'author'), 'verified');
    assert.equal(transition('activate', 'approved', 'author', 'author'), 'active');
    // A version with no recorded author (loaded from files) can be approved by anyone.
    assert.equal(transition('approve', 'verified', 'someone', null), 'approved');
    assert.throws(() => transition('approve', 'verified', null, 'author'), refusedWith('TWO_PERSON_RULE'));
  });

  it('asks two different people, neither the author, to approve an llm-unverified version', () => {
    assert.equal(approvalsRequired({ generated_by: 'llm-unverified' }), 2);
    assert.equal(approvalsRequired({ generated_by: 'llm' }), 1);
    assert.equal(approvalsRequired({}), 1);
    assert.deepEqual(approval('verified', 'first', 'author', 2, null), {
      status: 'verified',
      firstApprover: 'first',
      approvalsSoFar: 1,
    });
    assert.throws(() => approval('verified', 'first', 'author', 2, 'first'), refusedWith('SECOND_APPROVER_REQUIRED'));
    assert.throws(() => approval('verified', 'author', 'author', 2, 'first'), refusedWith('TWO_PERSON_RULE'));
    assert.deepEqual(approval('verified', 'second', 'author', 2, 'first'), {
      status: 'approved',
      firstApprover: 'first',
      approvalsSoFar: 2,
    });
    assert.equal(approval('verified', 'reviewer', 'author', 1, null).status, 'approved');
  });
});

describe('appeal rules', () => {
  const open: Appeal = {
    id: 'p',
    decision_id: 'd',
    appellant_id: 'agent-1',
    reason: 'r',
    status: 'open',
    rationale: null,
    resolved_by: null,
    resolved_at: null,
    created_at: '2026-01-01T00:00:00.000Z',
  };

  it('lets the affected caller or any person appeal, and no other machine', () => {
    assert.doesNotThrow(() => assertMayAppeal({ userId: 'agent-1', roles: ['agent'] }, { caller_id: 'agent-1' }));
    assert.doesNotThrow(() => assertMayAppeal({ userId: 'person', roles: ['auditor'] }, { caller_id: 'agent-1' }));
    assert.throws(
      () => assertMayAppeal({ userId: 'agent-2', roles: ['agent'] }, { caller_id: 'agent-1' }),
      refusedWith('NOT_AFFECTED'),
    );
    assert.throws(
      () => assertMayAppeal({ userId: 'svc', roles: ['service'] }, { caller_id: null }),
      refusedWith('NOT_AFFECTED'),
    );
  });

  it('resolves an open appeal once, never by who filed it', () => {
    assert.doesNotThrow(() => assertMayResolve('auditor-1', open));
    assert.throws(() => assertMayResolve('agent-1', open), refusedWith('TWO_PERSON_RULE'));
    assert.throws(() => assertMayResolve('auditor-1', { ...open, status: 'upheld' }), refusedWith('APPEAL_RESOLVED'));
  });

  it('names each deciding policy once, in order, and no failure reason', () => {
    const reasons = [
      { policy_id: 'b', effect: 'forbid' as const, principles: [] },
      { policy_id: 'a', effect: 'forbid' as const, principles: [] },
      { policy_id: 'b', effect: 'forbid' as const, principles: [] },
      { policy_id: null, effect: 'forbid' as const, principles: [], error_code: 'NO_PERMIT' },
    ];
    assert.deepEqual(decidingPolicies(reasons), ['a', 'b']);
  });
});
