import type { ChangeSetStatus } from './change-set.js';

export const GOVERNANCE_STATES = [
  'enforced',
  'no_bundle',
  'no_constitution',
  'awaiting_change_set',
  'awaiting_verification',
  'change_set_rejected',
  'awaiting_approval',
  'awaiting_activation',
] as const;
export type GovernanceState = (typeof GOVERNANCE_STATES)[number];

export interface GovernanceFacts {
  constitution: { version: number; hash: string; enacted_at: string } | null;
  bundle: { version: number; hash: string; constitution_version: number | null } | null;
  /** The newest change set proposed under the constitution in force, if any. */
  changeSet: {
    id: number;
    status: ChangeSetStatus;
    reason: string | null;
    created_at: string;
    verified_at: string | null;
    approved_at: string | null;
    approvals_required: number;
    first_approved_by: string | null;
  } | null;
}

export interface GovernanceStateReport {
  state: GovernanceState;
  reason: string;
  /** Since when the state has held: the enactment, or the change set's last step. */
  since: string | null;
}

/**
 * Enacted vs enforced, in one place for every surface: the constitution in force is enforced once the bundle in force
 * names it; until then the state says what stands between them — no change set yet, one being verified, rejected,
 * awaiting a second person's approval, or approved and awaiting activation — and since when.
 */
export function governanceState(facts: GovernanceFacts): GovernanceStateReport {
  const { constitution, bundle, changeSet } = facts;
  if (constitution === null)
    return { state: 'no_constitution', reason: 'no constitution has been enacted', since: null };
  if (bundle === null)
    return {
      state: 'no_bundle',
      reason: `constitution v${constitution.version} is enacted and no bundle is active`,
      since: constitution.enacted_at,
    };
  if (bundle.constitution_version === constitution.version)
    return {
      state: 'enforced',
      reason: `constitution v${constitution.version} is enforced by bundle v${bundle.version}`,
      since: null,
    };
  const enacted = `constitution v${constitution.version} enacted; bundle v${bundle.version} in force implements ${
    bundle.constitution_version === null
      ? 'a constitution this system does not hold'
      : `v${bundle.constitution_version}`
  }`;
  const pending =
    changeSet === null || ['active', 'superseded', 'withdrawn'].includes(changeSet.status) ? null : changeSet;
  if (pending === null)
    return {
      state: 'awaiting_change_set',
      reason: `${enacted}; no change set proposed yet (see the synthesis runs)`,
      since: constitution.enacted_at,
    };
  const id = `change set ${pending.id}`;
  switch (pending.status) {
    case 'proposed':
      return {
        state: 'awaiting_verification',
        reason: `${enacted}; ${id} is being verified`,
        since: pending.created_at,
      };
    case 'rejected':
      return {
        state: 'change_set_rejected',
        reason: `${enacted}; ${id} failed verification: ${pending.reason ?? 'no reason recorded'}`,
        since: pending.verified_at,
      };
    case 'verified':
      return {
        state: 'awaiting_approval',
        reason: `${enacted}; ${id} awaiting approval by ${
          pending.approvals_required > 1 && pending.first_approved_by !== null ? 'a third' : 'a second'
        } person since ${pending.verified_at}`,
        since: pending.verified_at,
      };
    default:
      return {
        state: 'awaiting_activation',
        reason: `${enacted}; ${id} approved, awaiting activation since ${pending.approved_at}`,
        since: pending.approved_at,
      };
  }
}
