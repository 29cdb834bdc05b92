import { randomInt } from 'node:crypto';
import { entryBytes, entryFromRow, type AuditRow } from '../../domain/audit/entry.js';
import { leafHash } from '../../domain/audit/merkle.js';
import { auditTreeSize, readTreeNodes } from '../../platform/audit.js';
import type { Queryable } from '../../platform/db/database.js';
import type { VerifyFinding } from './audit-tree.js';
import { verifyTreeHeads } from './tree-heads.js';

export const WATCH_CHECKS = ['new_leaves', 'sampled_leaves', 'unindexed_rows', 'tree_heads'] as const;
export type WatchCheck = (typeof WATCH_CHECKS)[number];
export type WatchFinding = VerifyFinding & { check: WatchCheck };

const NEW_LEAVES_PER_ROUND = 20_000;

/**
 * Continuous, cheap verification of the audit log while it runs (the full recomputation is `acgs audit verify`):
 * each round re-hashes the rows appended since the last round, a random sample of older rows, looks for rows
 * slipped in without a leaf index, and checks the tree heads signed since. Leaves that failed are checked again
 * next round, so a problem keeps being reported until it is dealt with.
 */
export class AuditWatch {
  private checkedSize = 0;
  private checkedHeadSize = 0;
  lastRunAt: Date | null = null;

  /** Leaves verified so far (a prefix of the log). */
  get verifiedSize(): number {
    return this.checkedSize;
  }

  constructor(private readonly db: Queryable, private readonly sampleSize = 64) {}

  async run(): Promise<WatchFinding[]> {
    const size = await auditTreeSize(this.db);
    const end = Math.min(size, this.checkedSize + NEW_LEAVES_PER_ROUND);
    const fresh = await this.checkLeaves(Array.from({ length: end - this.checkedSize }, (_, offset) => this.checkedSize + offset), 'new_leaves');
    const sampled = this.checkedSize === 0 ? [] : await this.checkLeaves([...new Set(Array.from({ length: this.sampleSize }, () => randomInt(this.checkedSize)))], 'sampled_leaves');
    const findings: WatchFinding[] = [...fresh, ...sampled];
    const firstBad = Math.min(...fresh.map((finding) => finding.leaf_index ?? end));
    this.checkedSize = Math.min(end, firstBad);

    const unindexed = await this.db.query<{ id: number }>('SELECT id FROM audit_logs WHERE leaf_index IS NULL ORDER BY id LIMIT 1');
    if (unindexed[0] !== undefined) findings.push({ check: 'unindexed_rows', leaf_index: null, problem: `row id ${unindexed[0].id} has no leaf index (inserted outside the log)` });

    const newestHead = Number((await this.db.query<{ size: number | null }>('SELECT max(tree_size) AS size FROM audit_tree_heads'))[0]?.size ?? 0);
    const heads = await verifyTreeHeads(this.db, this.checkedHeadSize);
    findings.push(...heads.map((head) => ({ check: 'tree_heads' as const, leaf_index: null, problem: `tree head of size ${head.tree_size}: ${head.problem}` })));
    if (heads.length === 0) this.checkedHeadSize = Math.max(this.checkedHeadSize, newestHead);
    this.lastRunAt = new Date();
    return findings;
  }

  /** Re-hashes the rows at these leaf indexes and compares each with its stored leaf hash. */
  private async checkLeaves(indexes: readonly number[], check: WatchCheck): Promise<WatchFinding[]> {
    if (indexes.length === 0) return [];
    const rows = await this.db.query<AuditRow>('SELECT * FROM audit_logs WHERE leaf_index = ANY($1::bigint[])', [indexes]);
    const byIndex = new Map(rows.map((row) => [Number(row.leaf_index), row] as const));
    const stored = await readTreeNodes(this.db, indexes.map((index) => [0, index] as [number, number]));
    const findings: WatchFinding[] = [];
    for (const index of [...indexes].sort((a, b) => a - b)) {
      const row = byIndex.get(index);
      const leaf = stored.get(`0:${index}`);
      if (row === undefined) findings.push({ check, leaf_index: index, problem: 'missing: the row with this leaf index was deleted' });
      else if (leaf === undefined || !leaf.equals(leafHash(entryBytes(entryFromRow(row))))) findings.push({ check, leaf_index: index, problem: 'modified: the row no longer hashes to its stored leaf' });
    }
    return findings;
  }
}
