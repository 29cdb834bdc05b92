import { NotFoundError } from '../../domain/errors.js';
import type { ChangeSetOrigin, ChangeSetStatus, PolicyRef } from '../../domain/policy/change-set.js';
import type { Queryable } from '../../platform/db/database.js';
import { isoOrNull } from '../../platform/http/iso-time.js';
import type { ChangeSetVerification } from './verification-gate.js';

export interface ChangeSet {
  id: number;
  status: ChangeSetStatus;
  origin: ChangeSetOrigin;
  description: string;
  put: PolicyRef[];
  remove: string[];
  author: string | null;
  constitution_version: number | null;
  constitution_hash: string | null;
  base_bundle_version: number | null;
  verification_report: ChangeSetVerification | null;
  verified_at: string | null;
  reason: string | null;
  approvals_required: number;
  first_approved_by: string | null;
  approved_by: string | null;
  approved_at: string | null;
  activated_by: string | null;
  activated_at: string | null;
  bundle_version: number | null;
  superseded_by: number | null;
  created_at: string;
}

type Row = Omit<ChangeSet, 'id' | 'created_at' | 'verified_at' | 'approved_at' | 'activated_at' | 'superseded_by'> & {
  id: string | number;
  superseded_by: string | number | null;
  created_at: Date;
  verified_at: Date | null;
  approved_at: Date | null;
  activated_at: Date | null;
};

const toChangeSet = (row: Row): ChangeSet => ({
  ...row,
  id: Number(row.id),
  superseded_by: row.superseded_by === null ? null : Number(row.superseded_by),
  approvals_required: Number(row.approvals_required),
  created_at: row.created_at.toISOString(),
  verified_at: isoOrNull(row.verified_at),
  approved_at: isoOrNull(row.approved_at),
  activated_at: isoOrNull(row.activated_at),
});

export interface NewChangeSet {
  origin: ChangeSetOrigin;
  description: string;
  put: readonly PolicyRef[];
  remove: readonly string[];
  author: string | null;
  approvalsRequired: number;
  /** The constitution in force when it was proposed. */
  constitution: { version: number; hash: string } | null;
}

/** The change_sets table: one row per set, moved along its lifecycle by the ChangeSets service. */
export class ChangeSetStore {
  async insert(q: Queryable, set: NewChangeSet): Promise<ChangeSet> {
    const rows = await q.query<Row>(
      `INSERT INTO change_sets (status, origin, description, put, remove, author, approvals_required,
                                constitution_version, constitution_hash)
       VALUES ('proposed', $1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [
        set.origin,
        set.description,
        JSON.stringify(set.put),
        [...set.remove],
        set.author,
        set.approvalsRequired,
        set.constitution?.version ?? null,
        set.constitution?.hash ?? null,
      ],
    );
    return toChangeSet(rows[0]!);
  }

  async get(q: Queryable, id: number, lock = false): Promise<ChangeSet> {
    const rows = await q.query<Row>(`SELECT * FROM change_sets WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (rows[0] === undefined) throw new NotFoundError(`No change set ${id}`, 'CHANGE_SET_NOT_FOUND');
    return toChangeSet(rows[0]);
  }

  async list(
    q: Queryable,
    filter: { status?: ChangeSetStatus; beforeId?: number; limit: number },
  ): Promise<ChangeSet[]> {
    const rows = await q.query<Row>(
      `SELECT * FROM change_sets WHERE ($1::text IS NULL OR status = $1) AND ($2::bigint IS NULL OR id < $2)
        ORDER BY id DESC LIMIT $3`,
      [filter.status ?? null, filter.beforeId ?? null, filter.limit],
    );
    return rows.map(toChangeSet);
  }

  /** The newest set verified against (or activated under) this constitution version, pending ones first. */
  async newestFor(q: Queryable, constitutionVersion: number): Promise<ChangeSet | null> {
    const rows = await q.query<Row>(
      `SELECT * FROM change_sets WHERE constitution_version = $1 AND origin IN ('amendment', 'synthesis', 'manual', 'cli')
        ORDER BY id DESC LIMIT 1`,
      [constitutionVersion],
    );
    return rows[0] === undefined ? null : toChangeSet(rows[0]);
  }

  async recordVerification(
    q: Queryable,
    id: number,
    outcome: {
      status: 'verified' | 'approved' | 'rejected';
      report: unknown;
      constitution: { version: number; hash: string };
      baseBundleVersion: number;
      reason: string | null;
    },
  ): Promise<ChangeSet> {
    const rows = await q.query<Row>(
      `UPDATE change_sets SET status = $2, verification_report = $3, constitution_version = $4, constitution_hash = $5,
              base_bundle_version = $6, reason = $7, verified_at = now()
        WHERE id = $1 RETURNING *`,
      [
        id,
        outcome.status,
        JSON.stringify(outcome.report),
        outcome.constitution.version,
        outcome.constitution.hash,
        outcome.baseBundleVersion,
        outcome.reason,
      ],
    );
    return toChangeSet(rows[0]!);
  }

  async recordApproval(
    q: Queryable,
    id: number,
    approval: { status: ChangeSetStatus; firstApprover: string | null; approver: string },
  ): Promise<ChangeSet> {
    const rows = await q.query<Row>(
      `UPDATE change_sets SET status = $2, first_approved_by = $3,
              approved_by = CASE WHEN $2 = 'approved' THEN $4::uuid ELSE approved_by END,
              approved_at = CASE WHEN $2 = 'approved' THEN now() ELSE approved_at END
        WHERE id = $1 RETURNING *`,
      [id, approval.status, approval.firstApprover, approval.approver],
    );
    return toChangeSet(rows[0]!);
  }

  async recordActivation(q: Queryable, id: number, actorId: string | null, bundleVersion: number): Promise<ChangeSet> {
    const rows = await q.query<Row>(
      `UPDATE change_sets SET status = 'active', activated_by = $2, activated_at = now(), bundle_version = $3
        WHERE id = $1 RETURNING *`,
      [id, actorId, bundleVersion],
    );
    return toChangeSet(rows[0]!);
  }

  async withdraw(q: Queryable, id: number, reason: string): Promise<ChangeSet> {
    const rows = await q.query<Row>(
      `UPDATE change_sets SET status = 'withdrawn', reason = $2 WHERE id = $1 RETURNING *`,
      [id, reason],
    );
    return toChangeSet(rows[0]!);
  }

  /** Marks the pending sets of an origin older than `newer` superseded by it; returns their ids. */
  async supersedePending(q: Queryable, origin: ChangeSetOrigin, newer: number): Promise<number[]> {
    const rows = await q.query<{ id: string | number }>(
      `UPDATE change_sets SET status = 'superseded', superseded_by = $2, reason = $3
        WHERE origin = $1 AND id < $2 AND status IN ('proposed', 'verified', 'approved') RETURNING id`,
      [origin, newer, `superseded by change set ${newer}`],
    );
    return rows.map((row) => Number(row.id));
  }
}
