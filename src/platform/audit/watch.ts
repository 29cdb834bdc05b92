import { randomInt } from 'node:crypto';
import { entryBytes, entryFromRow } from '../../domain/audit/entry.js';
import { leafHash } from '../../domain/audit/merkle.js';
import type { Queryable } from '../db/database.js';
import { AuditReader, gapAt } from './reader.js';
import { verifyTreeHeads, type HeadSignatureCheck } from './tree-heads.js';
import type { VerifyFinding } from './verify.js';

export const WATCH_CHECKS = ['new_leaves', 'sampled_leaves', 'sweep', 'unindexed_rows', 'tree_heads'] as const;
export type WatchCheck = (typeof WATCH_CHECKS)[number];
export type WatchFinding = VerifyFinding & { check: WatchCheck };

const NEW_LEAVES_PER_ROUND = 20_000;
const SWEEP_LEAVES_PER_ROUND = 20_000;

/**
 * Continuous, cheap verification of the audit log while it runs (the full recomputation is `acgs audit verify`):
 * each round re-hashes the rows appended since the last round, a random sample of older rows and the next stretch
 * of a sweep that goes over the whole log again and again, looks for rows slipped in without a leaf index, checks
 * the tree heads signed since, and that no signed head covers rows that are gone. A bad leaf does not stop it: it
 * moves on, and every leaf found bad is checked again each round, so a problem keeps being reported until it is
 * dealt with and a second one later in the log is found all the same.
 */
export class AuditWatch {
  private checkedSize = 0;
  private checkedHeadSize = 0;
  private sweepFrom = 0;
  private readonly knownBad = new Set<number>();
  lastRunAt: Date | null = null;

  /** Leaves verified at least once so far (a prefix of the log). */
  get verifiedSize(): number {
    return this.checkedSize;
  }

  private readonly reader: AuditReader;

  constructor(
    private readonly db: Queryable,
    private readonly signedByPlatformKey: HeadSignatureCheck,
    private readonly sampleSize = 64,
  ) {
    this.reader = new AuditReader(db);
  }

  async run(): Promise<WatchFinding[]> {
    const size = await this.reader.size();
    const newestHead = await this.reader.newestHeadSize();
    const end = Math.min(size, this.checkedSize + NEW_LEAVES_PER_ROUND);
    const fresh = await this.checkLeaves(range(this.checkedSize, end), 'new_leaves');
    const sampled =
      this.checkedSize === 0
        ? []
        : await this.checkLeaves(
            [...new Set(Array.from({ length: this.sampleSize }, () => randomInt(this.checkedSize)))],
            'sampled_leaves',
          );
    const swept = await this.sweep(Math.max(this.checkedSize, newestHead));
    const stillBad = await this.checkLeaves(
      [...this.knownBad].filter((index) => index < this.checkedSize),
      'new_leaves',
    );
    this.checkedSize = end;
    const findings = dedupe([...fresh, ...stillBad, ...sampled, ...swept]);
    this.knownBad.clear();
    for (const finding of findings) if (finding.leaf_index !== null) this.knownBad.add(finding.leaf_index);

    findings.push(...(await this.unindexedRows()));
    if (newestHead > size)
      findings.push({
        check: 'tree_heads',
        leaf_index: size,
        problem: `a signed tree head covers ${newestHead} leaves but the log ends at ${size}: rows were deleted from its end`,
      });
    const heads = await this.headsAfter(this.checkedHeadSize);
    findings.push(...heads);
    if (heads.length === 0) this.checkedHeadSize = Math.max(this.checkedHeadSize, newestHead);
    this.lastRunAt = new Date();
    return findings;
  }

  /** The next stretch of the log, wrapping to its start: every leaf below `upTo` is re-checked over time. */
  private async sweep(upTo: number): Promise<WatchFinding[]> {
    if (upTo === 0) return [];
    if (this.sweepFrom >= upTo) this.sweepFrom = 0;
    const stop = Math.min(upTo, this.sweepFrom + SWEEP_LEAVES_PER_ROUND);
    const findings = await this.checkLeaves(range(this.sweepFrom, stop), 'sweep');
    this.sweepFrom = stop;
    return findings;
  }

  /**
   * A one-off sample for diagnostics: `count` random leaves of the whole log, rows without a leaf index, and the
   * latest signed head.
   */
  async spotCheck(count: number): Promise<{ size: number; checked: number; findings: WatchFinding[] }> {
    const size = await this.reader.size();
    const indexes =
      size === 0 ? [] : [...new Set(Array.from({ length: Math.min(count, size) }, () => randomInt(size)))];
    const newestHead = await this.reader.newestHeadSize();
    const findings = [
      ...(await this.checkLeaves(indexes, 'sampled_leaves')),
      ...(await this.unindexedRows()),
      ...(newestHead === 0 ? [] : await this.headsAfter(newestHead - 1)),
    ];
    return { size, checked: indexes.length, findings };
  }

  private async unindexedRows(): Promise<WatchFinding[]> {
    const [row] = await this.reader.rowsOutsideTheTree(1);
    return row === undefined
      ? []
      : [
          {
            check: 'unindexed_rows',
            leaf_index: null,
            problem: `row id ${row.id} has no leaf index (inserted outside the log)`,
          },
        ];
  }

  private async headsAfter(treeSize: number): Promise<WatchFinding[]> {
    const problems = await verifyTreeHeads(this.db, this.signedByPlatformKey, treeSize);
    return problems.map((head) => ({
      check: 'tree_heads',
      leaf_index: null,
      problem: `tree head of size ${head.tree_size}: ${head.problem}`,
    }));
  }

  /** Re-hashes the rows at these leaf indexes and compares each with its stored leaf hash. */
  private async checkLeaves(indexes: readonly number[], check: WatchCheck): Promise<WatchFinding[]> {
    if (indexes.length === 0) return [];
    // One after another: the reader may be a single connection (acgs doctor's), which runs one query at a time.
    const byIndex = await this.reader.rowsAt(indexes);
    const stored = await this.reader.leafHashes(indexes);
    const gaps = await this.reader.gaps();
    const findings: WatchFinding[] = [];
    for (const index of [...indexes].sort((a, b) => a - b)) {
      const row = byIndex.get(index);
      const leaf = stored.get(`0:${index}`);
      // A row lost in an acknowledged gap is on the record (acgs audit verify lists it), not a new problem.
      if (row === undefined && gapAt(gaps, index) !== null) continue;
      if (row === undefined)
        findings.push({ check, leaf_index: index, problem: 'missing: the row with this leaf index was deleted' });
      else if (leaf === undefined || !leaf.equals(leafHash(entryBytes(entryFromRow(row)))))
        findings.push({ check, leaf_index: index, problem: 'modified: the row no longer hashes to its stored leaf' });
    }
    return findings;
  }
}

const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from) }, (_, offset) => from + offset);

/** One finding per leaf: the first check to see it names it. */
function dedupe(findings: readonly WatchFinding[]): WatchFinding[] {
  const seen = new Set<number>();
  const kept: WatchFinding[] = [];
  for (const finding of findings) {
    if (finding.leaf_index !== null && seen.has(finding.leaf_index)) continue;
    if (finding.leaf_index !== null) seen.add(finding.leaf_index);
    kept.push(finding);
  }
  return kept;
}
