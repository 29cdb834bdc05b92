import { entryBytes, entryFromRow } from '../../domain/audit/entry.js';
import { advanceFrontier, appendLeafHashes, frontierRoot } from '../../domain/audit/frontier.js';
import { leafHash, type Hash } from '../../domain/audit/merkle.js';
import type { Queryable } from '../db/database.js';
import { AuditReader, gapAt, type AuditGap } from './reader.js';

export interface VerifyFinding {
  leaf_index: number | null;
  problem: string;
}

export interface VerifyReport {
  size: number;
  root: string;
  findings: VerifyFinding[];
  /** Rows lost in gaps an operator acknowledged (`acgs audit reanchor`): on the record, not findings. */
  acknowledged_gaps: (AuditGap & { problem: string })[];
}

/** Findings in leaf order, with runs of neighbouring leaves that share a problem reported once as a range. */
class LeafFindings {
  readonly list: VerifyFinding[] = [];
  private run: { first: number; last: number; problem: string } | null = null;

  leaf(index: number, problem: string): void {
    if (this.run !== null && this.run.problem === problem && this.run.last === index - 1) {
      this.run.last = index;
      return;
    }
    this.close();
    this.run = { first: index, last: index, problem };
  }

  other(finding: VerifyFinding): void {
    this.close();
    this.list.push(finding);
  }

  close(): VerifyFinding[] {
    if (this.run !== null) {
      const { first, last, problem } = this.run;
      this.list.push({
        leaf_index: first,
        problem: last === first ? problem : `${problem} (leaves ${first}–${last}, ${last - first + 1} rows)`,
      });
      this.run = null;
    }
    return this.list;
  }
}

/** Whether the ascending list holds a value in [first, last] (binary search: a truncated log has many). */
function anyWithin(ascending: readonly number[], first: number, last: number): boolean {
  let low = 0;
  let high = ascending.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ascending[middle]! < first) low = middle + 1;
    else high = middle;
  }
  return low < ascending.length && ascending[low]! <= last;
}

const MISSING = 'missing: the row with this leaf index was deleted';
const MODIFIED = 'modified: the row no longer hashes to its stored leaf';

/**
 * Recomputes the whole tree from the rows, in leaf order, and reports every problem, not only the first: a
 * modified row shows as a leaf mismatch at its index, a deleted one (truncated ones included: the log is as long as
 * its newest signed head) as missing, an inserted one as a row without an index, reordered ones as mismatches at
 * the swapped indexes, a rewritten subtree hash as a node mismatch, and every signed head is compared with the root
 * of the tree the rows make at its size — so no edit of rows and stored hashes together passes under a head.
 */
export async function verifyAuditTree(
  q: Queryable,
  onProgress: (done: number, total: number) => void = () => undefined,
  pageSize = 5000,
): Promise<VerifyReport> {
  const findings = new LeafFindings();
  const reader = new AuditReader(q);
  const outside = await reader.outsideTheTree();
  if (outside !== null)
    findings.other({
      leaf_index: null,
      problem: `row id ${outside.firstId} has no leaf index (inserted outside the log)${outside.count > 1 ? `, and ${outside.count - 1} more` : ''}`,
    });
  const heads = await reader.headsAfter(0);
  const gaps = await reader.gaps();
  const acknowledged = await checkGaps(reader, gaps, findings);
  const total = Math.max(await reader.size(), heads[heads.length - 1]?.tree_size ?? 0);
  const badLeaves: number[] = [];
  const mismatchedHeads: number[] = [];
  let frontier = new Map<string, Hash>();
  let nextHead = 0;
  let done = 0;
  while (done < total) {
    const end = Math.min(total, done + pageSize);
    const byIndex = await reader.rowsBetween(done, end);
    const storedLeaves = await reader.leafHashes(Array.from({ length: end - done }, (_, offset) => done + offset));
    const leaves: Hash[] = [];
    for (let index = done; index < end; index += 1) {
      const row = byIndex.get(index);
      const stored = storedLeaves.get(`0:${index}`);
      // A deleted row's stored leaf stands in for it, so what follows it can still be checked.
      const hash = row === undefined ? stored : leafHash(entryBytes(entryFromRow(row)));
      if (row === undefined && gapAt(gaps, index) === null) findings.leaf(index, MISSING);
      else if (stored === undefined || !stored.equals(hash!)) findings.leaf(index, MODIFIED);
      if (row === undefined || stored === undefined || !stored.equals(hash!)) badLeaves.push(index);
      if (hash === undefined) {
        findings.other({
          leaf_index: index,
          problem: 'neither the row nor its leaf hash exists: the tree cannot be recomputed past this leaf',
        });
        return {
          size: total,
          root: (await reader.head()).root.toString('hex'),
          findings: findings.close(),
          acknowledged_gaps: acknowledged,
        };
      }
      leaves.push(hash);
    }
    // Extend in pieces that end at signed head sizes, so each head is compared with the tree at exactly its size.
    let at = done;
    while (at < end) {
      while (nextHead < heads.length && heads[nextHead]!.tree_size <= at) nextHead += 1;
      const stop = Math.min(end, nextHead < heads.length ? heads[nextHead]!.tree_size : end);
      const created = await appendLeafHashes(at, frontier, leaves.slice(at - done, stop - done));
      const interior = created.filter(([level]) => level > 0);
      const storedNodes = await reader.nodes(interior.map(([level, index]) => [level, index] as [number, number]));
      for (const [level, index, hash] of interior) {
        const first = index * 2 ** level;
        const last = first + 2 ** level - 1;
        // A node above a bad leaf differs by necessity; only a node over good leaves says the stored tree was edited.
        if (anyWithin(badLeaves, first, last)) continue;
        const saved = storedNodes.get(`${level}:${index}`);
        if (saved === undefined || !saved.equals(hash))
          findings.other({
            leaf_index: first,
            problem: `subtree ${level}:${index} (leaves ${first}–${last}) does not match its stored hash`,
          });
      }
      frontier = advanceFrontier(frontier, created, stop);
      at = stop;
      const head = heads[nextHead];
      if (
        head !== undefined &&
        head.tree_size === at &&
        (await frontierRoot(frontier, at)).toString('hex') !== head.root_hash
      )
        mismatchedHeads.push(at);
    }
    done = end;
    onProgress(done, total);
  }
  findings.close();
  if (mismatchedHeads.length > 0) {
    const [first, last] = [mismatchedHeads[0]!, mismatchedHeads[mismatchedHeads.length - 1]!];
    findings.other({
      leaf_index: null,
      problem: `${mismatchedHeads.length} signed tree head(s) of sizes ${first}${last === first ? '' : `–${last}`} differ from the root the rows make at that size: the log was changed after they were signed`,
    });
  }
  const { root } = await reader.head();
  return { size: total, root: root.toString('hex'), findings: findings.list, acknowledged_gaps: acknowledged };
}

/**
 * Each acknowledged gap must be acknowledged in the log itself: the leaf where the log resumes is the
 * `audit.gap_acknowledged` entry naming the gap (so a gap row added to the table alone hides nothing).
 */
async function checkGaps(
  reader: AuditReader,
  gaps: readonly AuditGap[],
  findings: LeafFindings,
): Promise<VerifyReport['acknowledged_gaps']> {
  const rows = await reader.rowsAt(gaps.map((gap) => gap.resumes_at));
  return gaps.map((gap) => {
    const details = rows.get(gap.resumes_at)?.details as Record<string, unknown> | undefined;
    const recorded =
      rows.get(gap.resumes_at)?.action === 'audit.gap_acknowledged' &&
      details?.['first_missing'] === gap.first_missing &&
      details['resumes_at'] === gap.resumes_at;
    if (!recorded)
      findings.other({
        leaf_index: gap.resumes_at,
        problem: `gap ${gap.id} (leaves ${gap.first_missing}–${gap.resumes_at - 1}) is not acknowledged in the log at leaf ${gap.resumes_at}`,
      });
    return {
      ...gap,
      problem: `missing: rows of leaves ${gap.first_missing}–${gap.resumes_at - 1} were lost; acknowledged by ${gap.acknowledged_by} at ${gap.acknowledged_at}: ${gap.reason}`,
    };
  });
}
