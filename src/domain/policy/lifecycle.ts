import { ConflictError, ForbiddenError } from '../errors.js';

export const POLICY_STATUSES = ['draft', 'verified', 'approved', 'active', 'superseded', 'revoked'] as const;
export type PolicyStatus = (typeof POLICY_STATUSES)[number];
export type PolicyAction = 'verify' | 'approve' | 'activate' | 'revoke';

const TRANSITIONS: Record<PolicyAction, { from: readonly PolicyStatus[]; to: PolicyStatus }> = {
  verify: { from: ['draft'], to: 'verified' },
  approve: { from: ['verified'], to: 'approved' },
  activate: { from: ['approved'], to: 'active' },
  revoke: { from: ['draft', 'verified', 'approved', 'active'], to: 'revoked' },
};

/**
 * draft → verified → approved → active → superseded | revoked. Approval follows the two-person rule: whoever wrote a
 * version may not approve it.
 */
export function transition(
  action: PolicyAction,
  current: PolicyStatus,
  actorId: string | null,
  authorId: string | null,
): PolicyStatus {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(current)) {
    throw new ConflictError(
      `Cannot ${action} a ${current} policy (allowed from: ${rule.from.join(', ')})`,
      'POLICY_STATE',
    );
  }
  if (action === 'approve' && actorId === null)
    throw new ForbiddenError("Approval is a person's decision: a system actor cannot approve", 'TWO_PERSON_RULE');
  if (action === 'approve' && authorId !== null && authorId === actorId) {
    throw new ForbiddenError('The author of a policy version cannot approve it (two-person rule)', 'TWO_PERSON_RULE');
  }
  return rule.to;
}

/**
 * How many distinct people (never the author) must approve a version: two for policies an LLM wrote for a principle
 * without constraints (`@generated_by("llm-unverified")`), whose meaning no proof covers; one otherwise.
 */
export const approvalsRequired = (annotations: Readonly<Record<string, string>>): number =>
  annotations['generated_by'] === 'llm-unverified' ? 2 : 1;

/**
 * An approval: the status the version moves to and who approved first. A version needing two approvals stays
 * `verified` after the first, and the second must come from someone else.
 */
export function approval(
  current: PolicyStatus,
  actorId: string | null,
  authorId: string | null,
  required: number,
  firstApprover: string | null,
): { status: PolicyStatus; firstApprover: string | null; approvalsSoFar: number } {
  const next = transition('approve', current, actorId, authorId);
  if (required < 2) return { status: next, firstApprover, approvalsSoFar: 1 };
  if (firstApprover === null) return { status: current, firstApprover: actorId, approvalsSoFar: 1 };
  if (firstApprover === actorId)
    throw new ForbiddenError(
      'This version needs two different approvers and you approved it already',
      'SECOND_APPROVER_REQUIRED',
    );
  return { status: next, firstApprover, approvalsSoFar: 2 };
}
