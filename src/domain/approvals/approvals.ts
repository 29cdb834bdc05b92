import { canonicalSha256 } from '../canonical-json.js';
import { ConflictError, ForbiddenError } from '../errors.js';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'used';

export interface Approval {
  id: string;
  decision_id: string;
  requester_id: string;
  owner_id: string | null;
  independent: boolean;
  principal: { type: string; id: string };
  action: string;
  resource_type: string;
  resource_id: string;
  content_digest: string | null;
  policy_ids: string[];
  principles: string[];
  status: ApprovalStatus;
  reason: string | null;
  decided_by: string | null;
  decided_at: string | null;
  /** Pending: when the request lapses. Approved: until when the grant can be used. */
  expires_at: string;
  used_by_decision: string | null;
  used_at: string | null;
  created_at: string;
}

/** The obligation a policy carries when the agent's owner must not be the one approving its calls. */
export const INDEPENDENT_REVIEW = 'independent_review';

/**
 * What an approval is bound to: who asked, to do what, to what, with which content (a tool call's arguments). The
 * context is left out on purpose — a session's history grows between the request and the retry.
 */
export const bindingDigest = (request: {
  requesterId: string;
  principal: { type: string; id: string };
  action: string;
  resource: { type: string; id: string };
  contentDigest: string | null;
}): string =>
  canonicalSha256({
    requester: request.requesterId,
    principal: { type: request.principal.type, id: request.principal.id },
    action: request.action,
    resource: { type: request.resource.type, id: request.resource.id },
    content_digest: request.contentDigest,
  });

/** Whether this person may decide this approval now; the reason they may not, as an error. */
export function assertMayDecide(approverId: string, approval: Approval, now: Date): void {
  if (approval.status !== 'pending')
    throw new ConflictError(`Approval ${approval.id} was already ${approval.status}`, 'APPROVAL_DECIDED');
  if (Date.parse(approval.expires_at) <= now.getTime())
    throw new ConflictError(`Approval ${approval.id} lapsed at ${approval.expires_at}`, 'APPROVAL_EXPIRED');
  if (approverId === approval.requester_id)
    throw new ForbiddenError('A caller cannot approve its own request', 'TWO_PERSON_RULE');
  if (approval.independent && approverId === approval.owner_id)
    throw new ForbiddenError(
      "The policy asks for independent review: the agent's owner cannot approve its calls",
      'TWO_PERSON_RULE',
    );
}
