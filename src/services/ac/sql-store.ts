import { activeHolders } from '../../platform/auth/user-states.js';
import type { GovernanceEvent } from '../../domain/audit/entry.js';
import type { Role } from '../../domain/auth/roles.js';
import type {
  AmendmentFilter,
  AmendmentRecord,
  CommentRecord,
  ConstitutionStore,
  PrincipleFilter,
  PrincipleRecord,
  VersionRecord,
  VoteRecord,
} from '../../domain/constitution/store.js';
import type { MetaRules, PrincipleContent, PrincipleStatus, Vote } from '../../domain/constitution/types.js';
import type { AuditLog } from '../../platform/audit/log.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { currentTraceparent } from '../../platform/tracing.js';

// Any constant works, as long as every process uses the same one for constitution changes.
const CONSTITUTION_LOCK_KEY = 727_170_3;

interface PrincipleRow extends Omit<PrincipleContent, 'scope' | 'constraints'> {
  id: string;
  scope: PrincipleContent['scope'];
  constraints: PrincipleContent['constraints'];
  status: PrincipleStatus;
  version: number;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

const PRINCIPLE_COLUMNS =
  'id, key, title, description, category, priority, scope, normative_statement, rationale, constraints, status, version, created_by, created_at, updated_at';

function toPrinciple(row: PrincipleRow): PrincipleRecord {
  return {
    id: row.id,
    key: row.key,
    title: row.title,
    description: row.description,
    category: row.category,
    priority: row.priority,
    scope: row.scope,
    normative_statement: row.normative_statement,
    rationale: row.rationale,
    constraints: row.constraints,
    status: row.status,
    version: row.version,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

interface VersionRow {
  version: number;
  hash: string;
  document: VersionRecord['document'];
  enacted_at: Date;
  enacted_by: string | null;
  enacted_by_amendment: string | null;
}

const toVersion = (row: VersionRow): VersionRecord => ({
  version: row.version,
  hash: row.hash,
  document: row.document,
  enactedAt: row.enacted_at,
  enactedBy: row.enacted_by,
  enactedByAmendment: row.enacted_by_amendment,
});

interface AmendmentRow {
  id: string;
  title: string;
  rationale: string;
  changes: AmendmentRecord['changes'];
  principle_keys: string[];
  touches_meta_rules: boolean;
  status: AmendmentRecord['status'];
  proposed_by: string;
  created_at: Date;
  opened_at: Date | null;
  deadline: Date | null;
  closed_at: Date | null;
  council_size: number | null;
  rules: AmendmentRecord['rules'];
  outcome: AmendmentRecord['outcome'];
  base_version: number | null;
  enacted_version: number | null;
}

const toAmendment = (row: AmendmentRow): AmendmentRecord => ({
  id: row.id,
  title: row.title,
  rationale: row.rationale,
  changes: row.changes,
  principleKeys: row.principle_keys,
  touchesMetaRules: row.touches_meta_rules,
  status: row.status,
  proposedBy: row.proposed_by,
  createdAt: row.created_at,
  openedAt: row.opened_at,
  deadline: row.deadline,
  closedAt: row.closed_at,
  councilSize: row.council_size,
  rules: row.rules,
  outcome: row.outcome,
  baseVersion: row.base_version,
  enactedVersion: row.enacted_version,
});

const json = (value: unknown) => JSON.stringify(value);
const first = <T>(rows: T[]): T | null => rows[0] ?? null;

/** ConstitutionStore over SQL; `inTransaction` marks an instance already bound to an open transaction. */
export class SqlConstitutionStore implements ConstitutionStore {
  constructor(
    private readonly db: Database,
    private readonly auditLog: AuditLog,
    private readonly q: Queryable = db,
    private readonly inTransaction = false,
  ) {}

  transaction<T>(fn: (tx: ConstitutionStore) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    return this.db.transaction((tx) => fn(new SqlConstitutionStore(this.db, this.auditLog, tx, true)));
  }

  async lockConstitution(): Promise<void> {
    await this.q.query('SELECT pg_advisory_xact_lock($1)', [CONSTITUTION_LOCK_KEY]);
  }

  async currentVersion(): Promise<VersionRecord | null> {
    const row = first(
      await this.q.query<VersionRow>('SELECT * FROM constitution_versions ORDER BY version DESC LIMIT 1'),
    );
    return row === null ? null : toVersion(row);
  }

  async version(version: number): Promise<VersionRecord | null> {
    const row = first(
      await this.q.query<VersionRow>('SELECT * FROM constitution_versions WHERE version = $1', [version]),
    );
    return row === null ? null : toVersion(row);
  }

  /** The version whose document hashes to `hash`: the one a bundle names as the constitution it implements. */
  async versionByHash(hash: string): Promise<VersionRecord | null> {
    const row = first(await this.q.query<VersionRow>('SELECT * FROM constitution_versions WHERE hash = $1', [hash]));
    return row === null ? null : toVersion(row);
  }

  async listVersions(): Promise<Omit<VersionRecord, 'document'>[]> {
    const rows = await this.q.query<VersionRow>(
      'SELECT version, hash, enacted_at, enacted_by, enacted_by_amendment FROM constitution_versions ORDER BY version',
    );
    return rows.map((row) => ({
      version: row.version,
      hash: row.hash,
      enactedAt: row.enacted_at,
      enactedBy: row.enacted_by,
      enactedByAmendment: row.enacted_by_amendment,
    }));
  }

  async insertVersion(record: Omit<VersionRecord, 'enactedAt'>): Promise<void> {
    await this.q.query(
      `INSERT INTO constitution_versions (version, hash, document, enacted_by, enacted_by_amendment, traceparent)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        record.version,
        record.hash,
        json(record.document),
        record.enactedBy,
        record.enactedByAmendment,
        // The enacting request, when it is in a recorded span: what the version sets off links back to it.
        currentTraceparent(),
      ],
    );
  }

  /** The W3C traceparent of the request that enacted a version (tracing on), which no view shows; null without one. */
  async enactedIn(version: number): Promise<string | null> {
    const rows = await this.q.query<{ traceparent: string | null }>(
      'SELECT traceparent FROM constitution_versions WHERE version = $1',
      [version],
    );
    return rows[0]?.traceparent ?? null;
  }

  async metaRules(): Promise<MetaRules | null> {
    return first(await this.q.query<{ rules: MetaRules }>('SELECT rules FROM meta_rules WHERE id = 1'))?.rules ?? null;
  }

  async saveMetaRules(rules: MetaRules, actorId: string | null): Promise<void> {
    await this.q.query(
      `INSERT INTO meta_rules (id, rules, updated_by) VALUES (1, $1, $2)
       ON CONFLICT (id) DO UPDATE SET rules = EXCLUDED.rules, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [json(rules), actorId],
    );
  }

  async findPrinciple(id: string): Promise<PrincipleRecord | null> {
    const row = first(
      await this.q.query<PrincipleRow>(`SELECT ${PRINCIPLE_COLUMNS} FROM principles WHERE id = $1`, [id]),
    );
    return row === null ? null : toPrinciple(row);
  }

  async findPrincipleByKey(key: string): Promise<PrincipleRecord | null> {
    const row = first(
      await this.q.query<PrincipleRow>(`SELECT ${PRINCIPLE_COLUMNS} FROM principles WHERE key = $1`, [key]),
    );
    return row === null ? null : toPrinciple(row);
  }

  async listPrinciples(filter: PrincipleFilter): Promise<PrincipleRecord[]> {
    const rows = await this.q.query<PrincipleRow>(
      `SELECT ${PRINCIPLE_COLUMNS} FROM principles
        WHERE ($1::text IS NULL OR status = $1)
          AND ($2::text IS NULL OR category = $2)
          AND ($3::text IS NULL OR key > $3)
          AND ($4::text IS NULL OR strpos(lower(key || ' ' || title || ' ' || description || ' ' || normative_statement), lower($4)) > 0)
        ORDER BY key LIMIT $5`,
      [filter.status ?? null, filter.category ?? null, filter.afterKey ?? null, filter.text ?? null, filter.limit],
    );
    return rows.map(toPrinciple);
  }

  async principlesWithStatus(status: PrincipleStatus): Promise<PrincipleRecord[]> {
    const rows = await this.q.query<PrincipleRow>(
      `SELECT ${PRINCIPLE_COLUMNS} FROM principles WHERE status = $1 ORDER BY key`,
      [status],
    );
    return rows.map(toPrinciple);
  }

  async insertPrinciple(
    record: Omit<PrincipleRecord, 'createdAt' | 'updatedAt' | 'version'>,
  ): Promise<PrincipleRecord> {
    const rows = await this.q.query<PrincipleRow>(
      `INSERT INTO principles (id, key, title, description, category, priority, scope, normative_statement, rationale, constraints, status, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${PRINCIPLE_COLUMNS}`,
      [
        record.id,
        record.key,
        record.title,
        record.description,
        record.category,
        record.priority,
        json(record.scope),
        record.normative_statement,
        record.rationale,
        json(record.constraints),
        record.status,
        record.createdBy,
      ],
    );
    return toPrinciple(rows[0]!);
  }

  async updatePrinciple(
    id: string,
    content: PrincipleContent,
    status: PrincipleStatus,
    expectedVersion: number,
  ): Promise<PrincipleRecord | null> {
    const row = first(
      await this.q.query<PrincipleRow>(
        `UPDATE principles SET key = $3, title = $4, description = $5, category = $6, priority = $7, scope = $8,
                normative_statement = $9, rationale = $10, constraints = $11, status = $12, version = version + 1, updated_at = now()
          WHERE id = $1 AND version = $2 RETURNING ${PRINCIPLE_COLUMNS}`,
        [
          id,
          expectedVersion,
          content.key,
          content.title,
          content.description,
          content.category,
          content.priority,
          json(content.scope),
          content.normative_statement,
          content.rationale,
          json(content.constraints),
          status,
        ],
      ),
    );
    return row === null ? null : toPrinciple(row);
  }

  async deletePrinciple(id: string): Promise<void> {
    await this.q.query('DELETE FROM principles WHERE id = $1', [id]);
  }

  async insertAmendment(record: AmendmentRecord): Promise<void> {
    await this.q.query(
      `INSERT INTO amendments (id, title, rationale, changes, principle_keys, touches_meta_rules, status, proposed_by, created_at, base_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        record.id,
        record.title,
        record.rationale,
        json(record.changes),
        record.principleKeys,
        record.touchesMetaRules,
        record.status,
        record.proposedBy,
        record.createdAt,
        record.baseVersion,
      ],
    );
  }

  async findAmendment(id: string, lock = false): Promise<AmendmentRecord | null> {
    const row = first(
      await this.q.query<AmendmentRow>(`SELECT * FROM amendments WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]),
    );
    return row === null ? null : toAmendment(row);
  }

  async listAmendments(filter: AmendmentFilter): Promise<AmendmentRecord[]> {
    const rows = await this.q.query<AmendmentRow>(
      `SELECT * FROM amendments
        WHERE ($1::text IS NULL OR status = $1)
          AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [filter.status ?? null, filter.before?.createdAt ?? null, filter.before?.id ?? null, filter.limit],
    );
    return rows.map(toAmendment);
  }

  async updateAmendment(record: AmendmentRecord): Promise<void> {
    await this.q.query(
      `UPDATE amendments SET status = $2, opened_at = $3, deadline = $4, closed_at = $5, council_size = $6, rules = $7, outcome = $8, enacted_version = $9
        WHERE id = $1`,
      [
        record.id,
        record.status,
        record.openedAt,
        record.deadline,
        record.closedAt,
        record.councilSize,
        record.rules === null ? null : json(record.rules),
        record.outcome === null ? null : json(record.outcome),
        record.enactedVersion,
      ],
    );
  }

  async openAmendmentsTouching(keys: string[], metaRules: boolean, excludeId: string): Promise<AmendmentRecord[]> {
    const rows = await this.q.query<AmendmentRow>(
      `SELECT * FROM amendments WHERE status = 'open' AND id <> $3 AND (principle_keys && $1::text[] OR ($2 AND touches_meta_rules))`,
      [keys, metaRules, excludeId],
    );
    return rows.map(toAmendment);
  }

  async dueAmendmentIds(now: Date): Promise<string[]> {
    const rows = await this.q.query<{ id: string }>(
      `SELECT id FROM amendments WHERE status = 'open' AND deadline <= $1 ORDER BY deadline`,
      [now],
    );
    return rows.map((row) => row.id);
  }

  async upsertVote(amendmentId: string, voterId: string, vote: Vote, reason: string): Promise<void> {
    await this.q.query(
      `INSERT INTO amendment_votes (amendment_id, voter_id, vote, reason) VALUES ($1, $2, $3, $4)
       ON CONFLICT (amendment_id, voter_id) DO UPDATE SET vote = EXCLUDED.vote, reason = EXCLUDED.reason, updated_at = now()`,
      [amendmentId, voterId, vote, reason],
    );
  }

  async votes(amendmentId: string): Promise<VoteRecord[]> {
    const rows = await this.q.query<{ voter_id: string; vote: Vote; reason: string; cast_at: Date; updated_at: Date }>(
      'SELECT voter_id, vote, reason, cast_at, updated_at FROM amendment_votes WHERE amendment_id = $1 ORDER BY cast_at, voter_id',
      [amendmentId],
    );
    return rows.map((row) => ({
      voterId: row.voter_id,
      vote: row.vote,
      reason: row.reason,
      castAt: row.cast_at,
      updatedAt: row.updated_at,
    }));
  }

  async insertComment(amendmentId: string, comment: CommentRecord): Promise<void> {
    await this.q.query(
      'INSERT INTO amendment_comments (id, amendment_id, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5)',
      [comment.id, amendmentId, comment.authorId, comment.body, comment.createdAt],
    );
  }

  async comments(amendmentId: string): Promise<CommentRecord[]> {
    const rows = await this.q.query<{ id: string; author_id: string; body: string; created_at: Date }>(
      'SELECT id, author_id, body, created_at FROM amendment_comments WHERE amendment_id = $1 ORDER BY created_at, id',
      [amendmentId],
    );
    return rows.map((row) => ({ id: row.id, authorId: row.author_id, body: row.body, createdAt: row.created_at }));
  }

  councilSize(voterRoles: readonly Role[]): Promise<number> {
    return activeHolders(this.q, voterRoles);
  }

  async audit(event: GovernanceEvent): Promise<void> {
    await this.auditLog.record(event, this.q);
  }

  async notify(channel: string, payload: Record<string, unknown>): Promise<void> {
    await this.q.query('SELECT pg_notify($1, $2)', [channel, json(payload)]);
  }
}
