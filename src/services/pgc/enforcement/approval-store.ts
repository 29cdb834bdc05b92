import { apiKeyIssuer } from '../../../platform/auth/api-key-directory.js';
import { assertMayDecide, type Approval, type ApprovalStatus } from '../../../domain/approvals/approvals.js';
import { NotFoundError } from '../../../domain/errors.js';
import { createdAtIdCursor, keysetPage, type CreatedAtId, type Page } from '../../../domain/pagination.js';
import type { AuditLog } from '../../../platform/audit/log.js';
import type { Database } from '../../../platform/db/database.js';
import { isoOrNull } from '../../../platform/http/iso-time.js';

interface ApprovalRow extends Omit<Approval, 'decided_at' | 'expires_at' | 'used_at' | 'created_at' | 'owner_id'> {
  owner_id: string | null;
  decided_at: Date | null;
  expires_at: Date;
  used_at: Date | null;
  created_at: Date;
}

const toApproval = (row: ApprovalRow): Approval => ({
  id: row.id,
  decision_id: row.decision_id,
  requester_id: row.requester_id,
  owner_id: row.owner_id,
  independent: row.independent,
  // Rows written before only the entity was stored may carry the caller's attributes too: the approval names who
  // asked; what exactly was asked is bound by the digest.
  principal: { type: row.principal.type, id: row.principal.id },
  action: row.action,
  resource_type: row.resource_type,
  resource_id: row.resource_id,
  content_digest: row.content_digest,
  policy_ids: row.policy_ids,
  principles: row.principles,
  status: row.status,
  reason: row.reason,
  decided_by: row.decided_by,
  decided_at: isoOrNull(row.decided_at),
  expires_at: row.expires_at.toISOString(),
  used_by_decision: row.used_by_decision,
  used_at: isoOrNull(row.used_at),
  created_at: row.created_at.toISOString(),
});

export interface ApprovalRequest {
  /** Chosen before the decision is logged, so the decision's obligation names it. */
  id: string;
  decisionId: string;
  requesterId: string;
  apiKeyId: string | null;
  independent: boolean;
  principal: { type: string; id: string };
  action: string;
  resource: { type: string; id: string };
  bindingDigest: string;
  contentDigest: string | null;
  policyIds: string[];
  principles: string[];
}

/**
 * Approval requests and grants. A request held for review opens one (or joins the one still pending for the same
 * binding); a person decides it; a grant is claimed once, by the same binding, before it expires. Each step is an
 * audit event in its transaction.
 */
export class ApprovalStore {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditLog,
    private readonly ttl: { pendingSeconds: number; grantSeconds: number },
  ) {}

  /** The request still pending for this binding, if one is: a call retried before anyone decided joins it. */
  async pendingFor(requesterId: string, bindingDigest: string): Promise<string | null> {
    const rows = await this.db.query<{ id: string }>(
      `SELECT id FROM approvals WHERE requester_id = $1 AND binding_digest = $2 AND status = 'pending' AND expires_at > now()
        ORDER BY created_at DESC LIMIT 1`,
      [requesterId, bindingDigest],
    );
    return rows[0]?.id ?? null;
  }

  /** Opens the request a decision named; nothing when it is one already pending. */
  async request(input: ApprovalRequest): Promise<void> {
    await this.db.transaction(async (tx) => {
      const existing = await tx.query<{ id: string }>('SELECT id FROM approvals WHERE id = $1', [input.id]);
      if (existing.length > 0) return;
      const owner = input.apiKeyId === null ? null : await apiKeyIssuer(tx, input.apiKeyId);
      const row = (
        await tx.query<ApprovalRow>(
          `INSERT INTO approvals (id, decision_id, requester_id, owner_id, independent, principal, action, resource_type,
             resource_id, binding_digest, content_digest, policy_ids, principles, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, now() + make_interval(secs => $14))
           RETURNING *`,
          [
            input.id,
            input.decisionId,
            input.requesterId,
            owner,
            input.independent,
            JSON.stringify({ type: input.principal.type, id: input.principal.id }),
            input.action,
            input.resource.type,
            input.resource.id,
            input.bindingDigest,
            input.contentDigest,
            input.policyIds,
            input.principles,
            this.ttl.pendingSeconds,
          ],
        )
      )[0]!;
      await this.audit.record(
        {
          userId: input.requesterId,
          action: 'approval.requested',
          resource: `approval:${row.id}`,
          details: {
            decision_id: input.decisionId,
            action: input.action,
            resource: `${input.resource.type}::${input.resource.id}`,
            content_digest: input.contentDigest,
            policy_ids: input.policyIds,
          },
        },
        tx,
      );
    });
  }

  async get(id: string): Promise<Approval> {
    const row = (await this.db.query<ApprovalRow>('SELECT * FROM approvals WHERE id = $1', [id]))[0];
    if (row === undefined) throw new NotFoundError('No approval request with this id', 'APPROVAL_NOT_FOUND');
    return toApproval(row);
  }

  list(filter: { status?: ApprovalStatus; after: CreatedAtId | undefined; limit: number }): Promise<Page<Approval>> {
    return keysetPage(
      filter.limit,
      async (rows) =>
        (
          await this.db.query<ApprovalRow>(
            `SELECT * FROM approvals WHERE ($1::text IS NULL OR status = $1)
               AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
             ORDER BY created_at DESC, id DESC LIMIT $4`,
            [filter.status ?? null, filter.after?.createdAt ?? null, filter.after?.id ?? null, rows],
          )
        ).map(toApproval),
      (last) => createdAtIdCursor.encode(last.created_at, last.id),
    );
  }

  /** A person approves or rejects a pending request; an approval is a grant usable once until it expires. */
  async decide(
    approverId: string,
    id: string,
    verdict: 'approve' | 'reject',
    reason: string | null,
  ): Promise<Approval> {
    return this.db.transaction(async (tx) => {
      const current = (await tx.query<ApprovalRow>('SELECT * FROM approvals WHERE id = $1 FOR UPDATE', [id]))[0];
      if (current === undefined) throw new NotFoundError('No approval request with this id', 'APPROVAL_NOT_FOUND');
      assertMayDecide(approverId, toApproval(current), new Date());
      const row = (
        await tx.query<ApprovalRow>(
          `UPDATE approvals SET status = $2, reason = $3, decided_by = $4, decided_at = now(),
             expires_at = CASE WHEN $2 = 'approved' THEN now() + make_interval(secs => $5) ELSE expires_at END
           WHERE id = $1 RETURNING *`,
          [id, verdict === 'approve' ? 'approved' : 'rejected', reason, approverId, this.ttl.grantSeconds],
        )
      )[0]!;
      await this.audit.record(
        {
          userId: approverId,
          action: verdict === 'approve' ? 'approval.granted' : 'approval.rejected',
          resource: `approval:${id}`,
          details: { decision_id: row.decision_id, reason, expires_at: row.expires_at.toISOString() },
        },
        tx,
      );
      return toApproval(row);
    });
  }

  /** The id of an unexpired grant for this binding, taken (it cannot be claimed again), or null. */
  async claim(requesterId: string, bindingDigest: string): Promise<string | null> {
    const rows = await this.db.query<{ id: string }>(
      `UPDATE approvals SET status = 'used', used_at = now()
        WHERE id = (SELECT id FROM approvals WHERE requester_id = $1 AND binding_digest = $2 AND status = 'approved'
                      AND expires_at > now() ORDER BY decided_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      [requesterId, bindingDigest],
    );
    return rows[0]?.id ?? null;
  }

  /** Records the decision a claimed grant was used for (logged before this runs, so the row exists). */
  async usedBy(approvalId: string, decisionId: string, requesterId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('UPDATE approvals SET used_by_decision = $2 WHERE id = $1', [approvalId, decisionId]);
      await this.audit.record(
        {
          userId: requesterId,
          action: 'approval.used',
          resource: `approval:${approvalId}`,
          details: { decision_id: decisionId },
        },
        tx,
      );
    });
  }
}
