import { CedarDiagnosticsError } from '../../domain/policy/cedar-diagnostics.js';
import { createHash, randomUUID } from 'node:crypto';
import { policyMetadata, principleKeys, validatePolicies } from '../../domain/policy/cedar.js';
import { GOVERNANCE_SCHEMA } from '../../domain/policy/governance-schema.js';
import {
  approval,
  approvalsRequired,
  transition,
  type PolicyAction,
  type PolicyStatus,
} from '../../domain/policy/lifecycle.js';
import { policiesFromSource } from '../../domain/policy/policy-files.js';
import type { PolicyRef } from '../../domain/policy/change-set.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.js';
import type { AuditLog } from '../../platform/audit/log.js';
import { isoOrNull } from '../../platform/http/iso-time.js';

export interface PolicyVersion {
  id: string;
  policy_id: string;
  version: number;
  name: string;
  description: string;
  source: string;
  principle_keys: string[];
  status: PolicyStatus;
  content_hash: string;
  author: string | null;
  created_at: string;
  verification_report: unknown;
  approved_by: string | null;
  approved_at: string | null;
  /** 2 for `@generated_by("llm-unverified")`: approved only once two people (neither the author) have approved. */
  approvals_required: number;
  first_approved_by: string | null;
  activated_at: string | null;
  /** When this version stopped being enforced (superseded or revoked). */
  retired_at: string | null;
}

interface PolicyRow extends Omit<PolicyVersion, 'created_at' | 'approved_at' | 'activated_at' | 'retired_at'> {
  created_at: Date;
  approved_at: Date | null;
  activated_at: Date | null;
  retired_at: Date | null;
}

const toVersion = (row: PolicyRow): PolicyVersion => ({
  ...row,
  version: Number(row.version),
  approvals_required: Number(row.approvals_required),
  created_at: row.created_at.toISOString(),
  approved_at: isoOrNull(row.approved_at),
  activated_at: isoOrNull(row.activated_at),
  retired_at: isoOrNull(row.retired_at),
});

/** Parses one Cedar policy and validates it against the governance schema; returns its id, text and principles. */
export function parseSinglePolicy(source: string): { policyId: string; text: string; principles: string[] } {
  const policies = policiesFromSource(source, 'source');
  const ids = Object.keys(policies);
  if (ids.length !== 1)
    throw new ValidationError(`submit exactly one policy per request (got ${ids.length})`, 'ONE_POLICY_PER_RULE');
  const problems = validatePolicies(policies, GOVERNANCE_SCHEMA);
  if (problems.length > 0) throw new CedarDiagnosticsError(problems);
  const policyId = ids[0]!;
  const text = policies[policyId]!;
  return { policyId, text, principles: principleKeys(text) };
}

const AUDITED_AS: Record<PolicyAction, string> = {
  verify: 'verified',
  approve: 'approved',
  activate: 'activated',
  revoke: 'revoked',
};

const latestQuery = 'SELECT * FROM policies WHERE policy_id = $1 ORDER BY version DESC LIMIT 1';

/** The policy store: immutable versions and their review lifecycle. */
/** How a lifecycle change reaches enforcement: the lock to take first, and the rebuild of the set in force. */
export interface EnforcedSetHooks {
  lock(tx: Queryable): Promise<void>;
  /** Puts this version in force, or takes this id out of it, as the next bundle. */
  rebuild(tx: Queryable, change: { put?: PolicyVersion; remove?: string }): Promise<void>;
  /** The verify step's report for a version; throws (and the version stays a draft) when it does not verify. */
  verify(tx: Queryable, policyId: string, source: string): Promise<Record<string, unknown>>;
}

export class PolicyStore {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditLog,
  ) {}

  /** Stores a policy as a draft: version 1 of a new id, or (when `mustExist`) the next version of an existing one. */
  async submit(
    input: { source: string; name?: string; description?: string },
    authorId: string | null,
    mode: 'new' | 'next' | 'either',
    pathId?: string,
  ): Promise<PolicyVersion> {
    const { policyId, text, principles } = parseSinglePolicy(input.source);
    const required = approvalsRequired(policyMetadata(text).annotations);
    if (pathId !== undefined && pathId !== policyId)
      throw new ValidationError(`the policy's @id is "${policyId}", not "${pathId}"`, 'POLICY_ID_MISMATCH');
    const contentHash = createHash('sha256').update(text, 'utf8').digest('hex');
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`policy:${policyId}`]);
      const latest = (await tx.query<PolicyRow>(latestQuery, [policyId]))[0];
      if (mode === 'new' && latest !== undefined)
        throw new ConflictError(
          `policy "${policyId}" exists; PUT /api/v1/policies/${policyId} adds a version`,
          'POLICY_EXISTS',
        );
      if (mode === 'next' && latest === undefined)
        throw new NotFoundError(`no policy "${policyId}"`, 'POLICY_NOT_FOUND');
      const version = (latest === undefined ? 0 : Number(latest.version)) + 1;
      const row = (
        await tx.query<PolicyRow>(
          `INSERT INTO policies (id, policy_id, version, name, description, source, principle_keys, status, content_hash, author, approvals_required)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', $8, $9, $10) RETURNING *`,
          [
            randomUUID(),
            policyId,
            version,
            input.name ?? latest?.name ?? policyId,
            input.description ?? latest?.description ?? '',
            text,
            principles,
            contentHash,
            authorId,
            required,
          ],
        )
      )[0]!;
      await this.audit.record(
        {
          userId: authorId,
          action: 'policy.submitted',
          resource: `policy:${policyId}:${version}`,
          details: { content_hash: contentHash, principles },
        },
        tx,
      );
      return toVersion(row);
    });
  }

  async latest(
    policyId: string,
  ): Promise<PolicyVersion & { versions: { version: number; status: PolicyStatus; created_at: string }[] }> {
    const rows = await this.db.query<PolicyRow>('SELECT * FROM policies WHERE policy_id = $1 ORDER BY version DESC', [
      policyId,
    ]);
    if (rows[0] === undefined) throw new NotFoundError(`no policy "${policyId}"`, 'POLICY_NOT_FOUND');
    return {
      ...toVersion(rows[0]),
      versions: rows.map((row) => ({
        version: Number(row.version),
        status: row.status,
        created_at: row.created_at.toISOString(),
      })),
    };
  }

  /** One version as it was stored, source included (versions are immutable, so old ones read as they were). */
  async version(policyId: string, version: number): Promise<PolicyVersion> {
    const rows = await this.db.query<PolicyRow>('SELECT * FROM policies WHERE policy_id = $1 AND version = $2', [
      policyId,
      version,
    ]);
    if (rows[0] === undefined)
      throw new NotFoundError(`no version ${version} of policy "${policyId}"`, 'POLICY_NOT_FOUND');
    return toVersion(rows[0]);
  }

  async list(filter: { status?: PolicyStatus; limit: number; afterPolicyId?: string }): Promise<PolicyVersion[]> {
    const rows = await this.db.query<PolicyRow>(
      `SELECT * FROM (SELECT DISTINCT ON (policy_id) * FROM policies ORDER BY policy_id, version DESC) latest
        WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR policy_id > $2) ORDER BY policy_id LIMIT $3`,
      [filter.status ?? null, filter.afterPolicyId ?? null, filter.limit],
    );
    return rows.map(toVersion);
  }

  /** Moves the latest version along the lifecycle; activation and revocation change what is enforced. */
  async countByStatus(): Promise<{ status: PolicyStatus; count: number }[]> {
    const rows = await this.db.query<{ status: PolicyStatus; n: number }>(
      'SELECT status, count(*)::int AS n FROM policies GROUP BY status',
    );
    return rows.map((row) => ({ status: row.status, count: row.n }));
  }

  async apply(
    action: PolicyAction,
    policyId: string,
    actorId: string | null,
    enforcedSet: EnforcedSetHooks,
  ): Promise<PolicyVersion> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`policy:${policyId}`]);
      // Before this transaction appends to the audit log: see lockBundleBuilds.
      if (action === 'activate' || action === 'revoke') await enforcedSet.lock(tx);
      const latest = (await tx.query<PolicyRow>(`${latestQuery} FOR UPDATE`, [policyId]))[0];
      if (latest === undefined) throw new NotFoundError(`no policy "${policyId}"`, 'POLICY_NOT_FOUND');
      const approved =
        action === 'approve'
          ? approval(latest.status, actorId, latest.author, Number(latest.approvals_required), latest.first_approved_by)
          : null;
      const next = approved?.status ?? transition(action, latest.status, actorId, latest.author);
      const report =
        action === 'verify'
          ? JSON.stringify({
              ...(await enforcedSet.verify(tx, policyId, latest.source)),
              checks: ['cedar-parse', 'governance-schema-strict-validation', 'conformance:claimed-principles'],
              problems: validatePolicies({ [policyId]: latest.source }, GOVERNANCE_SCHEMA),
              verified_at: new Date().toISOString(),
            })
          : null;
      if (action === 'activate') {
        await tx.query(
          `UPDATE policies SET status = 'superseded', retired_at = now() WHERE policy_id = $1 AND status = 'active'`,
          [policyId],
        );
      }
      const row = (
        await tx.query<PolicyRow>(
          `UPDATE policies SET status = $2,
                verification_report = COALESCE($3::jsonb, verification_report),
                approved_by = CASE WHEN $4 AND $2 = 'approved' THEN $5::uuid ELSE approved_by END,
                approved_at = CASE WHEN $4 AND $2 = 'approved' THEN now() ELSE approved_at END,
                first_approved_by = CASE WHEN $4 THEN $6::uuid ELSE first_approved_by END,
                activated_at = CASE WHEN $2 = 'active' THEN now() ELSE activated_at END,
                retired_at = CASE WHEN $2 = 'revoked' THEN now() ELSE retired_at END
          WHERE id = $1 RETURNING *`,
          [latest.id, next, report, action === 'approve', actorId, approved?.firstApprover ?? null],
        )
      )[0]!;
      await this.audit.record(
        {
          userId: actorId,
          action: `policy.${AUDITED_AS[action]}`,
          resource: `policy:${policyId}:${row.version}`,
          ...(approved === null || Number(latest.approvals_required) < 2
            ? {}
            : { details: { approval: approved.approvalsSoFar, of: Number(latest.approvals_required) } }),
        },
        tx,
      );
      const moved = toVersion(row);
      if (action === 'activate') await enforcedSet.rebuild(tx, { put: moved });
      else if (action === 'revoke' && latest.status === 'active') await enforcedSet.rebuild(tx, { remove: policyId });
      return moved;
    });
  }

  /**
   * A version of this exact text on its way to review: the latest version when it is one (a run the database cut short
   * may have submitted it already, and is not to double it), else a new draft.
   */
  async pendingOrDraft(
    policyId: string,
    text: string,
    description: string,
    authorId: string | null,
  ): Promise<PolicyVersion> {
    const row = (await this.db.query<PolicyRow>(latestQuery, [policyId]))[0];
    if (row !== undefined && row.source === text && ['draft', 'verified', 'approved'].includes(row.status))
      return toVersion(row);
    return this.submit({ source: text, description }, authorId, 'either');
  }

  /**
   * The versions a change set names, locked for the caller's transaction, in the order given; the latest version of an
   * id when none is named. A missing one is a 400 naming it.
   */
  static async versionsFor(
    q: Queryable,
    refs: readonly { policy_id: string; version?: number }[],
  ): Promise<PolicyVersion[]> {
    const found: PolicyVersion[] = [];
    for (const ref of refs) {
      const row = (
        await q.query<PolicyRow>(
          ref.version === undefined
            ? `${latestQuery} FOR UPDATE`
            : 'SELECT * FROM policies WHERE policy_id = $1 AND version = $2 FOR UPDATE',
          ref.version === undefined ? [ref.policy_id] : [ref.policy_id, ref.version],
        )
      )[0];
      if (row === undefined)
        throw new ValidationError(
          `no policy "${ref.policy_id}"${ref.version === undefined ? '' : ` version ${ref.version}`}`,
          'INVALID_CHANGE_SET',
        );
      found.push(toVersion(row));
    }
    return found;
  }

  /**
   * A change set's versions moving with it: drafts verified as part of it, approvals recorded on each, and on
   * activation each replaces its id's version in force while the removed ids are revoked — the statuses a person
   * reads per policy stay true to the set.
   */
  static async advanceWithSet(
    q: Queryable,
    step:
      | { kind: 'verified'; put: readonly PolicyRef[]; changeSet: number }
      | { kind: 'approved'; put: readonly PolicyRef[]; approver: string; firstApprover: string | null }
      | { kind: 'activated'; put: readonly PolicyRef[]; remove: readonly string[]; approver: string | null },
  ): Promise<void> {
    const ids = step.put.map((ref) => ref.policy_id);
    const versions = step.put.map((ref) => ref.version);
    const named = `(policy_id, version) IN (SELECT * FROM unnest($1::text[], $2::int[]))`;
    if (step.kind === 'verified')
      await q.query(
        `UPDATE policies SET status = 'verified', verification_report = $3 WHERE ${named} AND status = 'draft'`,
        [ids, versions, JSON.stringify({ change_set: step.changeSet, verified_at: new Date().toISOString() })],
      );
    else if (step.kind === 'approved')
      await q.query(
        `UPDATE policies SET status = 'approved', approved_by = $3, approved_at = now(), first_approved_by = $4
          WHERE ${named} AND status IN ('draft', 'verified')`,
        [ids, versions, step.approver, step.firstApprover],
      );
    else {
      await q.query(
        `UPDATE policies SET status = 'superseded', retired_at = now() WHERE policy_id = ANY($1::text[]) AND status = 'active'`,
        [ids],
      );
      await q.query(
        `UPDATE policies SET status = 'revoked', retired_at = now() WHERE policy_id = ANY($1::text[]) AND status = 'active'`,
        [[...step.remove]],
      );
      await q.query(
        `UPDATE policies SET status = 'active', activated_at = now(), approved_by = COALESCE(approved_by, $3::uuid),
                approved_at = COALESCE(approved_at, now())
          WHERE ${named}`,
        [ids, versions, step.approver],
      );
    }
  }

  /** Stores policies as active version 1, where none exists yet (the starter bundle's, in its transaction). */
  static async seedActive(q: Queryable, policies: Readonly<Record<string, string>>): Promise<void> {
    for (const [policyId, text] of Object.entries(policies))
      await q.query(
        `INSERT INTO policies (id, policy_id, version, name, source, principle_keys, status, content_hash, activated_at)
         VALUES ($1, $2, 1, $2, $3, $4, 'active', $5, now()) ON CONFLICT (policy_id, version) DO NOTHING`,
        [randomUUID(), policyId, text, principleKeys(text), createHash('sha256').update(text, 'utf8').digest('hex')],
      );
  }

  /** The active policies that implement only these principles (all of whose principles a repeal takes away). */
  static async activeImplementingOnly(q: Queryable, keys: readonly string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const rows = await q.query<{ policy_id: string }>(
      `SELECT policy_id FROM policies WHERE status = 'active' AND cardinality(principle_keys) > 0
         AND principle_keys <@ $1::text[] ORDER BY policy_id`,
      [[...keys]],
    );
    return rows.map((row) => row.policy_id);
  }

  /** Which of these policy ids have a version still live: in force, or on its way there. */
  static async liveAmong(q: Queryable, policyIds: readonly string[]): Promise<string[]> {
    if (policyIds.length === 0) return [];
    const rows = await q.query<{ policy_id: string }>(
      `SELECT DISTINCT policy_id FROM policies
        WHERE policy_id = ANY($1::text[]) AND status IN ('draft', 'verified', 'approved', 'active') ORDER BY policy_id`,
      [[...policyIds]],
    );
    return rows.map((row) => row.policy_id);
  }

  /** Whether every one of these versions is the one in force and none of these ids is. */
  static async settled(q: Queryable, inForce: readonly PolicyRef[], outOfForce: readonly string[]): Promise<boolean> {
    const rows = await q.query<{ settled: boolean }>(
      `SELECT (SELECT count(*)::int FROM policies p
                 JOIN jsonb_to_recordset($1::jsonb) AS s(policy_id text, version int)
                   ON p.policy_id = s.policy_id AND p.version = s.version
                WHERE p.status = 'active') = jsonb_array_length($1::jsonb)
           AND NOT EXISTS (SELECT 1 FROM policies WHERE status = 'active' AND policy_id = ANY($2::text[])) AS settled`,
      [JSON.stringify(inForce), [...outOfForce]],
    );
    return rows[0]?.settled === true;
  }

  /** The policies in force: the active version of every policy id. */
  static async activeTexts(q: Queryable): Promise<Record<string, string>> {
    const rows = await q.query<{ policy_id: string; source: string }>(
      `SELECT policy_id, source FROM policies WHERE status = 'active' ORDER BY policy_id`,
    );
    return Object.fromEntries(rows.map((row) => [row.policy_id, row.source]));
  }
}
