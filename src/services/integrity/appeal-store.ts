import { randomUUID } from 'node:crypto';
import {
  assertMayAppeal,
  assertMayResolve,
  decidingPolicies,
  type Appeal,
  type AppealOutcome,
  type AppealStatus,
} from '../../domain/appeals/appeals.js';
import type { Role } from '../../domain/auth/roles.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import { isoOrNull } from '../../platform/http/iso-time.js';
import { createdAtIdCursor, keysetPage, type CreatedAtId, type Page } from '../../domain/pagination.js';
import type { AuditLog } from '../../platform/audit/log.js';
import type { DecisionReader } from './ports.js';

export interface PolicyReviewItem {
  id: string;
  appeal_id: string;
  decision_id: string;
  policy_ids: string[];
  bundle_hash: string | null;
  status: 'open' | 'closed';
  note: string | null;
  closed_by: string | null;
  closed_at: string | null;
  created_at: string;
}

interface AppealRow extends Omit<Appeal, 'resolved_at' | 'created_at'> {
  resolved_at: Date | null;
  created_at: Date;
}

interface ReviewRow extends Omit<PolicyReviewItem, 'closed_at' | 'created_at'> {
  closed_at: Date | null;
  created_at: Date;
}

const toAppeal = (row: AppealRow): Appeal => ({
  ...row,
  resolved_at: isoOrNull(row.resolved_at),
  created_at: row.created_at.toISOString(),
});
const toReview = (row: ReviewRow): PolicyReviewItem => ({
  ...row,
  closed_at: isoOrNull(row.closed_at),
  created_at: row.created_at.toISOString(),
});

/** A newest-first page of `table` over (created_at, id), rows matching every `column = value` filter. */
function listPage<Row extends object, T extends { id: string; created_at: string }>(
  q: Queryable,
  table: string,
  filters: [string, unknown][],
  after: CreatedAtId | undefined,
  limit: number,
  map: (row: Row) => T,
): Promise<Page<T>> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  for (const [column, value] of filters) {
    params.push(value);
    conditions.push(`${column} = $${params.length}`);
  }
  if (after !== undefined) {
    params.push(after.createdAt, after.id);
    conditions.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
  }
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  return keysetPage(
    limit,
    async (rows) =>
      (
        await q.query<Row>(
          `SELECT * FROM ${table} ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.length + 1}`,
          [...params, rows],
        )
      ).map(map),
    (last) => createdAtIdCursor.encode(last.created_at, last.id),
  );
}

/** Appeals of decisions and the policy reviews overturned ones open; every change is an audit event in its transaction. */
export class AppealStore {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditLog,
    private readonly decisions: DecisionReader,
  ) {}

  async file(caller: { userId: string; roles: readonly Role[] }, decisionId: string, reason: string): Promise<Appeal> {
    return this.db.transaction(async (tx) => {
      const decision = await this.decisions.facts(tx, decisionId);
      if (decision === null) throw new NotFoundError('No logged decision with this id', 'DECISION_NOT_FOUND');
      assertMayAppeal(caller, decision);
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`appeal:${decisionId}`]);
      const open = (
        await tx.query<{ id: string }>(`SELECT id FROM appeals WHERE decision_id = $1 AND status = 'open'`, [
          decisionId,
        ])
      )[0];
      if (open !== undefined)
        throw new ConflictError(`Appeal ${open.id} of this decision is still open`, 'APPEAL_OPEN');
      const row = (
        await tx.query<AppealRow>(
          'INSERT INTO appeals (id, decision_id, appellant_id, reason) VALUES ($1, $2, $3, $4) RETURNING *',
          [randomUUID(), decisionId, caller.userId, reason],
        )
      )[0]!;
      await this.audit.record(
        {
          userId: caller.userId,
          action: 'appeal.filed',
          resource: `appeal:${row.id}`,
          details: { decision_id: decisionId },
        },
        tx,
      );
      return toAppeal(row);
    });
  }

  /** One appeal; with `appellantId`, only if that user filed it. */
  async get(id: string, appellantId: string | null): Promise<Appeal> {
    const row = (
      await this.db.query<AppealRow>(
        'SELECT * FROM appeals WHERE id = $1 AND ($2::uuid IS NULL OR appellant_id = $2)',
        [id, appellantId],
      )
    )[0];
    if (row === undefined) throw new NotFoundError('No appeal with this id', 'APPEAL_NOT_FOUND');
    return toAppeal(row);
  }

  list(filter: {
    status?: AppealStatus;
    appellantId?: string;
    after: CreatedAtId | undefined;
    limit: number;
  }): Promise<Page<Appeal>> {
    const filters: [string, unknown][] = [];
    if (filter.status !== undefined) filters.push(['status', filter.status]);
    if (filter.appellantId !== undefined) filters.push(['appellant_id', filter.appellantId]);
    return listPage(this.db, 'appeals', filters, filter.after, filter.limit, toAppeal);
  }

  /** Resolves an open appeal; overturning it opens a review of the policies that made the decision. */
  async resolve(
    resolverId: string,
    id: string,
    outcome: AppealOutcome,
    rationale: string,
  ): Promise<Appeal & { policy_review: PolicyReviewItem | null }> {
    return this.db.transaction(async (tx) => {
      const current = (await tx.query<AppealRow>('SELECT * FROM appeals WHERE id = $1 FOR UPDATE', [id]))[0];
      if (current === undefined) throw new NotFoundError('No appeal with this id', 'APPEAL_NOT_FOUND');
      assertMayResolve(resolverId, toAppeal(current));
      const row = (
        await tx.query<AppealRow>(
          'UPDATE appeals SET status = $2, rationale = $3, resolved_by = $4, resolved_at = now() WHERE id = $1 RETURNING *',
          [id, outcome, rationale, resolverId],
        )
      )[0]!;
      await this.audit.record(
        {
          userId: resolverId,
          action: `appeal.${outcome}`,
          resource: `appeal:${id}`,
          details: { decision_id: row.decision_id, rationale },
        },
        tx,
      );
      const review = outcome === 'overturned' ? await this.openReview(tx, resolverId, row) : null;
      return { ...toAppeal(row), policy_review: review };
    });
  }

  private async openReview(tx: Queryable, resolverId: string, appeal: AppealRow): Promise<PolicyReviewItem> {
    // An appeal names a logged decision (checked when it was filed), and decisions are never deleted.
    const decision = (await this.decisions.facts(tx, appeal.decision_id))!;
    const policyIds = decidingPolicies(decision.reasons);
    const row = (
      await tx.query<ReviewRow>(
        'INSERT INTO policy_review_items (id, appeal_id, decision_id, policy_ids, bundle_hash) VALUES ($1, $2, $3, $4, $5) RETURNING *',
        [randomUUID(), appeal.id, appeal.decision_id, policyIds, decision.bundle_hash],
      )
    )[0]!;
    await this.audit.record(
      {
        userId: resolverId,
        action: 'appeal.review_opened',
        resource: `policy_review:${row.id}`,
        details: { appeal_id: appeal.id, policy_ids: policyIds },
      },
      tx,
    );
    return toReview(row);
  }

  listReviews(filter: {
    status?: 'open' | 'closed';
    after: CreatedAtId | undefined;
    limit: number;
  }): Promise<Page<PolicyReviewItem>> {
    return listPage(
      this.db,
      'policy_review_items',
      filter.status === undefined ? [] : [['status', filter.status]],
      filter.after,
      filter.limit,
      toReview,
    );
  }

  async closeReview(actorId: string, id: string, note: string): Promise<PolicyReviewItem> {
    return this.db.transaction(async (tx) => {
      const row = (
        await tx.query<ReviewRow>(
          `UPDATE policy_review_items SET status = 'closed', note = $2, closed_by = $3, closed_at = now() WHERE id = $1 AND status = 'open' RETURNING *`,
          [id, note, actorId],
        )
      )[0];
      if (row === undefined) {
        const exists = (await tx.query<{ id: string }>('SELECT id FROM policy_review_items WHERE id = $1', [id]))[0];
        if (exists === undefined) throw new NotFoundError('No policy review item with this id', 'REVIEW_NOT_FOUND');
        throw new ConflictError('The review item is already closed', 'REVIEW_CLOSED');
      }
      await this.audit.record(
        { userId: actorId, action: 'appeal.review_closed', resource: `policy_review:${id}`, details: { note } },
        tx,
      );
      return toReview(row);
    });
  }
}
