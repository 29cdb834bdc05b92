import { ConflictError, ForbiddenError } from '../errors.js';

export const CHANGE_SET_STATUSES = [
  'proposed',
  'verified',
  'rejected',
  'approved',
  'active',
  'superseded',
  'withdrawn',
] as const;
export type ChangeSetStatus = (typeof CHANGE_SET_STATUSES)[number];

export const CHANGE_SET_ORIGINS = ['amendment', 'synthesis', 'manual', 'policy', 'cli'] as const;
export type ChangeSetOrigin = (typeof CHANGE_SET_ORIGINS)[number];

export interface PolicyRef {
  policy_id: string;
  version: number;
}

/**
 * The bundle a change set makes of the bundle in force (id → text): its removals out, its versions in (replacing any
 * version of the same id). Pure, so the verifier, the activation and a preview all compute the same set.
 */
export function applyChange(
  inForce: Readonly<Record<string, string>>,
  put: readonly { policy_id: string; text: string }[],
  remove: readonly string[],
): Record<string, string> {
  const removed = new Set(remove);
  const next = new Map(Object.entries(inForce).filter(([id]) => !removed.has(id)));
  for (const item of put) next.set(item.policy_id, item.text);
  return Object.fromEntries([...next].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Refuses a set that names a policy twice or both puts and removes it: its meaning would depend on order. */
export function changeShapeProblems(put: readonly PolicyRef[], remove: readonly string[]): string[] {
  const problems: string[] = [];
  const ids = [...put.map((item) => item.policy_id), ...remove];
  const repeated = [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];
  if (repeated.length > 0) problems.push(`policies named more than once: ${repeated.join(', ')}`);
  if (ids.length === 0) problems.push('a change set puts or removes at least one policy');
  return problems;
}

/**
 * One approval of a verified set: never by a system actor, its author or the author of any version it puts into
 * force; a set holding an `llm-unverified` policy needs two different approvers.
 */
export function approveChangeSet(
  set: { status: ChangeSetStatus; author: string | null; approvals_required: number; first_approved_by: string | null },
  itemAuthors: readonly (string | null)[],
  actorId: string | null,
): { status: ChangeSetStatus; firstApprover: string | null; approvalsSoFar: number } {
  if (set.status !== 'verified')
    throw new ConflictError(`Cannot approve a ${set.status} change set (allowed from: verified)`, 'CHANGE_SET_STATE');
  if (actorId === null)
    throw new ForbiddenError("Approval is a person's decision: a system actor cannot approve", 'TWO_PERSON_RULE');
  if (actorId === set.author || itemAuthors.includes(actorId))
    throw new ForbiddenError(
      'The author of a change set, or of a policy version in it, cannot approve it (two-person rule)',
      'TWO_PERSON_RULE',
    );
  if (set.approvals_required < 2)
    return { status: 'approved', firstApprover: set.first_approved_by, approvalsSoFar: 1 };
  if (set.first_approved_by === null) return { status: 'verified', firstApprover: actorId, approvalsSoFar: 1 };
  if (set.first_approved_by === actorId)
    throw new ForbiddenError(
      'This change set needs two different approvers and you approved it already',
      'SECOND_APPROVER_REQUIRED',
    );
  return { status: 'approved', firstApprover: set.first_approved_by, approvalsSoFar: 2 };
}

export function mustBe(status: ChangeSetStatus, allowed: readonly ChangeSetStatus[], action: string): void {
  if (!allowed.includes(status))
    throw new ConflictError(
      `Cannot ${action} a ${status} change set (allowed from: ${allowed.join(', ')})`,
      'CHANGE_SET_STATE',
    );
}
