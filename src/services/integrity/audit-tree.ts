import { entryBytes, entryFromRow, type AuditEntry, type AuditRow } from '../../domain/audit/entry.js';
import { NotFoundError } from '../../platform/errors.js';
import { appendToFrontier, frontierCoordinates } from '../../domain/audit/frontier.js';
import { rootHash, type Hash, type SubtreeReader } from '../../domain/audit/merkle.js';
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

/**
 * Recomputes the whole tree from the rows, in leaf order, and compares every stored subtree hash: a modified row
 * shows as a leaf mismatch at its index, a deleted one as a gap, an inserted one as a row without an index (or a
 * mismatch), reordered ones as mismatches at the first swapped index. Stops at the first problem found in the walk.
 */
export async function verifyAuditTree(q: Queryable, onProgress: (done: number, total: number) => void = () => undefined, pageSize = 5000): Promise<VerifyReport> {
  const findings: VerifyFinding[] = [];
  const unindexed = await q.query<{ id: number }>('SELECT id FROM audit_logs WHERE leaf_index IS NULL ORDER BY id LIMIT 1');
  if (unindexed[0] !== undefined) findings.push({ leaf_index: null, problem: `row id ${unindexed[0].id} has no leaf index (inserted outside the log)` });
  const total = await auditTreeSize(q);
  let frontier = new Map<string, Hash>();
  let expected = 0;
  while (expected < total && findings.length === 0) {
    const rows = (await q.query<AuditRow>(
      'SELECT id, leaf_index, timestamp, user_id, action, resource, details, source_ip, request_id FROM audit_logs WHERE leaf_index >= $1 ORDER BY leaf_index LIMIT $2',
      [expected, pageSize],
    )) as AuditRow[];
    const contiguous: AuditRow[] = [];
    for (const row of rows) {
      if (Number(row.leaf_index) !== expected + contiguous.length) {
        findings.push({ leaf_index: expected + contiguous.length, problem: 'missing: the row with this leaf index was deleted' });
        break;
      }
      contiguous.push(row);
    }
    if (contiguous.length === 0) break;
    const created = await appendToFrontier(expected, frontier, contiguous.map((row) => entryBytes(entryFromRow(row))));
    const storedByKey = await readTreeNodes(q, created.map(([level, index]) => [level, index] as [number, number]));
    for (const [level, index, hash] of created) {
      const saved = storedByKey.get(`${level}:${index}`);
      if (saved === undefined || !saved.equals(hash)) {
        const first = index * 2 ** level;
        findings.push({ leaf_index: first, problem: level === 0 ? 'modified: the row no longer hashes to its stored leaf' : `subtree ${level}:${index} (leaves ${first}–${first + 2 ** level - 1}) does not match its stored hash` });
        break;
      }
    }
    expected += contiguous.length;
    const known = new Map([...frontier, ...created.map(([level, index, hash]) => [`${level}:${index}`, hash] as const)]);
    frontier = new Map(frontierCoordinates(expected).map(([level, index]) => [`${level}:${index}`, known.get(`${level}:${index}`)!] as const));
    onProgress(expected, total);
  }
  const { root } = await treeHead(q);
  return { size: total, root: root.toString('hex'), findings };
}

