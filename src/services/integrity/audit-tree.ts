import { entryBytes, entryFromRow, type AuditEntry, type AuditRow } from '../../domain/audit/entry.js';
import { NotFoundError } from '../../domain/errors.js';
import { advanceFrontier, appendLeafHashes, frontierRoot } from '../../domain/audit/frontier.js';
import { leafHash, rootHash, type Hash, type SubtreeReader } from '../../domain/audit/merkle.js';
import { auditTreeSize, readTreeNodes } from '../../platform/audit.js';
import type { Queryable } from '../../platform/db/database.js';

/** Complete-subtree hashes read from audit_tree_nodes: what proofs are made of. */
export function databaseSubtreeReader(q: Queryable): SubtreeReader {
  const nodes = (coordinates: readonly [number, number][]) => readTreeNodes(q, coordinates);
  return {
    nodes,
    async node(level, index) {
      const hash = (await nodes([[level, index]])).get(`${level}:${index}`);
      if (hash === undefined) throw new Error(`audit tree node ${level}:${index} is missing`);
      return hash;
    },
  };
}

/** The entry stored as leaf `index`, or a 404 when the log has no such leaf. */
export async function entryAt(q: Queryable, index: number): Promise<AuditEntry> {
  const row = (await q.query<AuditRow>('SELECT * FROM audit_logs WHERE leaf_index = $1', [index]))[0];
  if (row === undefined) throw new NotFoundError(`no audit entry at leaf ${index}`, 'ENTRY_NOT_FOUND');
  return entryFromRow(row);
}

export async function treeHead(q: Queryable): Promise<{ size: number; root: Hash }> {
  const size = await auditTreeSize(q);
  return { size, root: await rootHash(databaseSubtreeReader(q), size) };
}

export interface VerifyFinding {
  leaf_index: number | null;
  problem: string;
}

export interface VerifyReport {
  size: number;
  root: string;
  findings: VerifyFinding[];
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
  const unindexed = await q.query<{ id: number; n: number }>(
    'SELECT min(id) AS id, count(*)::int AS n FROM audit_logs WHERE leaf_index IS NULL',
  );
  if (unindexed[0] !== undefined && unindexed[0].n > 0)
    findings.other({
      leaf_index: null,
      problem: `row id ${unindexed[0].id} has no leaf index (inserted outside the log)${unindexed[0].n > 1 ? `, and ${unindexed[0].n - 1} more` : ''}`,
    });
  const heads = await q.query<{ tree_size: number; root_hash: string }>(
    'SELECT tree_size, root_hash FROM audit_tree_heads ORDER BY tree_size',
  );
  const total = Math.max(await auditTreeSize(q), Number(heads[heads.length - 1]?.tree_size ?? 0));
  const badLeaves: number[] = [];
  const mismatchedHeads: number[] = [];
  let frontier = new Map<string, Hash>();
  let nextHead = 0;
  let done = 0;
  while (done < total) {
    const end = Math.min(total, done + pageSize);
    const rows = (await q.query<AuditRow>(
      'SELECT id, leaf_index, timestamp, user_id, action, resource, details, source_ip, request_id FROM audit_logs WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index',
      [done, end],
    )) as AuditRow[];
    const byIndex = new Map(rows.map((row) => [Number(row.leaf_index), row] as const));
    const storedLeaves = await readTreeNodes(
      q,
      Array.from({ length: end - done }, (_, offset) => [0, done + offset] as [number, number]),
    );
    const leaves: Hash[] = [];
    for (let index = done; index < end; index += 1) {
      const row = byIndex.get(index);
      const stored = storedLeaves.get(`0:${index}`);
      // A deleted row's stored leaf stands in for it, so what follows it can still be checked.
      const hash = row === undefined ? stored : leafHash(entryBytes(entryFromRow(row)));
      if (row === undefined) findings.leaf(index, MISSING);
      else if (stored === undefined || !stored.equals(hash!)) findings.leaf(index, MODIFIED);
      if (row === undefined || stored === undefined || !stored.equals(hash!)) badLeaves.push(index);
      if (hash === undefined) {
        findings.other({
          leaf_index: index,
          problem: 'neither the row nor its leaf hash exists: the tree cannot be recomputed past this leaf',
        });
        return { size: total, root: (await treeHead(q)).root.toString('hex'), findings: findings.close() };
      }
      leaves.push(hash);
    }
    // Extend in pieces that end at signed head sizes, so each head is compared with the tree at exactly its size.
    let at = done;
    while (at < end) {
      while (nextHead < heads.length && Number(heads[nextHead]!.tree_size) <= at) nextHead += 1;
      const stop = Math.min(end, nextHead < heads.length ? Number(heads[nextHead]!.tree_size) : end);
      const created = await appendLeafHashes(at, frontier, leaves.slice(at - done, stop - done));
      const interior = created.filter(([level]) => level > 0);
      const storedNodes = await readTreeNodes(
        q,
        interior.map(([level, index]) => [level, index] as [number, number]),
      );
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
        Number(head.tree_size) === at &&
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
  const { root } = await treeHead(q);
  return { size: total, root: root.toString('hex'), findings: findings.list };
}
