import { entryFromRow, type AuditEntry, type AuditRow } from '../../domain/audit/entry.js';
import { rootHash, type Hash, type SubtreeReader } from '../../domain/audit/merkle.js';
import type { SignedTreeHead } from '../../domain/audit/tree-head.js';
import { NotFoundError } from '../../domain/errors.js';
import type { Queryable } from '../db/database.js';

interface HeadRow {
  tree_size: number;
  root_hash: string;
  timestamp: Date;
  signed_data: string;
  signature: string;
  key_fingerprint: string;
}

/** Rows lost from the log that an operator acknowledged (`acgs audit reanchor`): leaves first_missing..resumes_at - 1. */
export interface AuditGap {
  id: number;
  first_missing: number;
  resumes_at: number;
  reason: string;
  acknowledged_by: string;
  acknowledged_at: string;
}

/** The acknowledged gap holding a leaf index, if any. */
export const gapAt = (gaps: readonly AuditGap[], index: number): AuditGap | null =>
  gaps.find((gap) => gap.first_missing <= index && index < gap.resumes_at) ?? null;

export const headFromRow = (row: HeadRow): SignedTreeHead => ({
  ...row,
  tree_size: Number(row.tree_size),
  timestamp: row.timestamp.toISOString(),
});

/** What a search of the log may filter on; every given filter must hold. */
export interface AuditSearch {
  from?: string;
  to?: string;
  userId?: string;
  action?: string;
  resource?: string;
  /** Only entries below this leaf index: the keyset of a newest-first page. */
  beforeIndex?: number;
}

const ROW_COLUMNS = 'id, leaf_index, timestamp, user_id, action, resource, details, source_ip, request_id';

/**
 * Every read of the audit log — entries, subtree hashes, signed heads, searches — over one connection or
 * transaction. It is also the SubtreeReader proofs are built from, so a proof and the rows it covers come from the
 * same snapshot when given a transaction.
 */
export class AuditReader implements SubtreeReader {
  constructor(private readonly q: Queryable) {}

  /**
   * Where appends would go (past the rows and any acknowledged gap), and how far the stored leaf hashes and signed
   * heads reach: beyond the first, rows are missing from the end (audit/log.ts auditDamage).
   */
  async extent(): Promise<{ size: number; storedLeaves: number; signedSize: number }> {
    const [row] = await this.q.query<{ size: number; stored_leaves: number; signed_size: number }>(
      `SELECT greatest(coalesce((SELECT max(leaf_index) + 1 FROM audit_logs), 0),
                       coalesce((SELECT max(resumes_at) FROM audit_gaps), 0)) AS size,
              coalesce((SELECT max(idx) + 1 FROM audit_tree_nodes WHERE level = 0), 0) AS stored_leaves,
              coalesce((SELECT max(tree_size) FROM audit_tree_heads), 0) AS signed_size`,
    );
    return { size: Number(row!.size), storedLeaves: Number(row!.stored_leaves), signedSize: Number(row!.signed_size) };
  }

  async gaps(): Promise<AuditGap[]> {
    const rows = await this.q.query<Omit<AuditGap, 'acknowledged_at'> & { acknowledged_at: Date }>(
      'SELECT id, first_missing, resumes_at, reason, acknowledged_by, acknowledged_at FROM audit_gaps ORDER BY first_missing',
    );
    return rows.map((row) => ({
      ...row,
      id: Number(row.id),
      first_missing: Number(row.first_missing),
      resumes_at: Number(row.resumes_at),
      acknowledged_at: row.acknowledged_at.toISOString(),
    }));
  }

  /** Leaves in the tree: one past the highest leaf index (a deleted row does not shrink it). */
  async size(): Promise<number> {
    const rows = await this.q.query<{ size: number }>(
      'SELECT coalesce(max(leaf_index) + 1, 0)::bigint AS size FROM audit_logs',
    );
    return Number(rows[0]!.size);
  }

  /** Stored subtree hashes for the given (level, index) coordinates, keyed "level:index"; absent ones are left out. */
  async nodes(coordinates: readonly [number, number][]): Promise<Map<string, Hash>> {
    if (coordinates.length === 0) return new Map();
    const rows = await this.q.query<{ level: number; idx: number; hash: Uint8Array }>(
      'SELECT level, idx, hash FROM audit_tree_nodes WHERE (level, idx) IN (SELECT * FROM unnest($1::smallint[], $2::bigint[]))',
      [coordinates.map(([level]) => level), coordinates.map(([, index]) => index)],
    );
    return new Map(rows.map((row) => [`${row.level}:${Number(row.idx)}`, Buffer.from(row.hash)] as const));
  }

  async node(level: number, index: number): Promise<Hash> {
    const hash = (await this.nodes([[level, index]])).get(`${level}:${index}`);
    if (hash === undefined) throw new Error(`audit tree node ${level}:${index} is missing`);
    return hash;
  }

  /** Stored leaf hashes of these leaf indexes, keyed "0:index". */
  leafHashes(indexes: readonly number[]): Promise<Map<string, Hash>> {
    return this.nodes(indexes.map((index) => [0, index] as [number, number]));
  }

  async head(): Promise<{ size: number; root: Hash }> {
    const size = await this.size();
    return { size, root: await rootHash(this, size) };
  }

  root(size: number): Promise<Hash> {
    return rootHash(this, size);
  }

  /** The entry stored as leaf `index`, or NotFound when the log has no such leaf. */
  async entryAt(index: number): Promise<AuditEntry> {
    const row = (
      await this.q.query<AuditRow>(`SELECT ${ROW_COLUMNS} FROM audit_logs WHERE leaf_index = $1`, [index])
    )[0];
    if (row === undefined) throw new NotFoundError(`no audit entry at leaf ${index}`, 'ENTRY_NOT_FOUND');
    return entryFromRow(row);
  }

  /** Rows at these leaf indexes, keyed by index; a deleted one is absent. */
  async rowsAt(indexes: readonly number[]): Promise<Map<number, AuditRow>> {
    const rows = await this.q.query<AuditRow>(
      `SELECT ${ROW_COLUMNS} FROM audit_logs WHERE leaf_index = ANY($1::bigint[])`,
      [indexes],
    );
    return new Map(rows.map((row) => [Number(row.leaf_index), row] as const));
  }

  /** Rows of leaves first … end-1, keyed by index. */
  async rowsBetween(first: number, end: number): Promise<Map<number, AuditRow>> {
    const rows = await this.q.query<AuditRow>(
      `SELECT ${ROW_COLUMNS} FROM audit_logs WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index`,
      [first, end],
    );
    return new Map(rows.map((row) => [Number(row.leaf_index), row] as const));
  }

  /** Rows without a leaf index, in id order: written around the log, so never part of the tree. */
  async rowsOutsideTheTree(limit?: number): Promise<AuditRow[]> {
    return this.q.query<AuditRow>(
      `SELECT ${ROW_COLUMNS} FROM audit_logs WHERE leaf_index IS NULL ORDER BY id${limit === undefined ? '' : ' LIMIT $1'}`,
      limit === undefined ? [] : [limit],
    );
  }

  /** How many rows have no leaf index, and the first of them. */
  async outsideTheTree(): Promise<{ firstId: number; count: number } | null> {
    const row = (
      await this.q.query<{ id: number | null; n: number }>(
        'SELECT min(id) AS id, count(*)::int AS n FROM audit_logs WHERE leaf_index IS NULL',
      )
    )[0];
    return row === undefined || row.n === 0 ? null : { firstId: Number(row.id), count: row.n };
  }

  /** Entries matching every filter, newest first, at most `limit`. */
  async search(filter: AuditSearch, limit: number): Promise<AuditEntry[]> {
    const conditions = ['leaf_index IS NOT NULL'];
    const params: unknown[] = [];
    const where = (sql: string, value: unknown) => {
      params.push(value);
      conditions.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.from !== undefined) where('timestamp >= ?', filter.from);
    if (filter.to !== undefined) where('timestamp < ?', filter.to);
    if (filter.userId !== undefined) where('user_id = ?', filter.userId);
    if (filter.action !== undefined) where('action = ?', filter.action);
    if (filter.resource !== undefined) where('resource = ?', filter.resource);
    if (filter.beforeIndex !== undefined) where('leaf_index < ?', filter.beforeIndex);
    params.push(limit);
    const rows = await this.q.query<AuditRow>(
      `SELECT ${ROW_COLUMNS} FROM audit_logs WHERE ${conditions.join(' AND ')} ORDER BY leaf_index DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => entryFromRow(row));
  }

  /** The first entry in the tree recording `action` on `resource` (and, if given, carrying details.hash). */
  async firstEntry(action: string, resource: string, detailsHash?: string): Promise<AuditEntry | null> {
    const row = (
      await this.q.query<AuditRow>(
        `SELECT ${ROW_COLUMNS} FROM audit_logs WHERE resource = $1 AND action = $2 AND leaf_index IS NOT NULL
         AND ($3::text IS NULL OR details->>'hash' = $3) ORDER BY leaf_index LIMIT 1`,
        [resource, action, detailsHash ?? null],
      )
    )[0];
    return row === undefined ? null : entryFromRow(row);
  }

  async latestHead(): Promise<SignedTreeHead | null> {
    const row = (await this.q.query<HeadRow>('SELECT * FROM audit_tree_heads ORDER BY tree_size DESC LIMIT 1'))[0];
    return row === undefined ? null : headFromRow(row);
  }

  /** Signed heads of more than `treeSize` leaves, smallest first. */
  async headsAfter(treeSize: number): Promise<SignedTreeHead[]> {
    const rows = await this.q.query<HeadRow>('SELECT * FROM audit_tree_heads WHERE tree_size > $1 ORDER BY tree_size', [
      treeSize,
    ]);
    return rows.map(headFromRow);
  }

  async headCount(): Promise<number> {
    return (await this.q.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_tree_heads'))[0]!.n;
  }

  /** The size the newest signed head covers (0: none signed). */
  async newestHeadSize(): Promise<number> {
    const row = (await this.q.query<{ size: number | null }>('SELECT max(tree_size) AS size FROM audit_tree_heads'))[0];
    return Number(row?.size ?? 0);
  }
}
