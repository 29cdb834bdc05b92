import type { Reason } from '../enforcement/decide.js';
import { AUDIENCES, type Role } from '../auth/roles.js';
import { ConflictError, ForbiddenError } from '../errors.js';

export type AppealStatus = 'open' | 'upheld' | 'overturned';
export type AppealOutcome = Exclude<AppealStatus, 'open'>;

export interface Appeal {
  id: string;
  decision_id: string;
  appellant_id: string;
  reason: string;
  status: AppealStatus;
  rationale: string | null;
  resolved_by: string | null;
  resolved_at: string | null;
  created_at: string;
}

/**
 * A decision can be appealed by the principal it affected (the caller that asked for it) or by any person using the
 * platform; a machine identity cannot appeal other machines' decisions.
 */
export function assertMayAppeal(
  caller: { userId: string; roles: readonly Role[] },
  decision: { caller_id: string | null },
): void {
  if (
    decision.caller_id === caller.userId ||
    caller.roles.some((role) => (AUDIENCES.people as readonly Role[]).includes(role))
  )
    return;
  throw new ForbiddenError('Only the principal a decision affected, or a person, may appeal it', 'NOT_AFFECTED');
}

/** An appeal is resolved once, by a reviewer who did not file it. */
export function assertMayResolve(resolverId: string, appeal: Appeal): void {
  if (appeal.status !== 'open')
    throw new ConflictError(`The appeal was already resolved (${appeal.status})`, 'APPEAL_RESOLVED');
  if (appeal.appellant_id === resolverId)
    throw new ForbiddenError('An appeal is resolved by someone other than who filed it', 'TWO_PERSON_RULE');
}

/** The policies that decided: what a review of an overturned decision must look at. */
export function decidingPolicies(reasons: readonly Reason[]): string[] {
  return [...new Set(reasons.flatMap((reason) => (reason.policy_id === null ? [] : [reason.policy_id])))].sort();
}
