import { entryFromRow, type AuditRow } from '../../domain/audit/entry.js';
import { consistencyProof, inclusionProof } from '../../domain/audit/merkle.js';
import type { SignedBundle } from '../../domain/policy/bundle.js';
import { BUNDLE_ACTIVATED_ACTION, type BundleLogProof } from '../../domain/policy/transparency.js';
import type { Database } from '../../platform/db/database.js';
import { databaseSubtreeReader } from './audit-tree.js';
import type { TreeHeads } from './tree-heads.js';

const hex = (hash: Buffer) => hash.toString('hex');

/**
 * The log's evidence that a bundle was activated: its activation entry, an inclusion proof against a signed head that
 * covers it, and a consistency proof from `sinceTreeSize` (the last head the asker accepted) when that is given.
 * Null when the log holds no activation of this exact bundle.
 */
export async function bundleLogProof(
  db: Database,
  heads: TreeHeads,
  signed: SignedBundle,
  sinceTreeSize: number | null,
): Promise<BundleLogProof | null> {
  const row = (
    await db.query<AuditRow>(
      `SELECT * FROM audit_logs WHERE resource = $1 AND action = $2 AND details->>'hash' = $3 AND leaf_index IS NOT NULL ORDER BY leaf_index LIMIT 1`,
      [`bundle:${signed.bundle.version}`, BUNDLE_ACTIVATED_ACTION, signed.hash],
    )
  )[0];
  if (row === undefined) return null;
  const entry = entryFromRow(row);
  const head = await heads.covering(entry.leaf_index);
  const reader = databaseSubtreeReader(db);
  const since = sinceTreeSize !== null && sinceTreeSize >= 1 && sinceTreeSize <= head.tree_size ? sinceTreeSize : null;
  const [path, consistency] = await Promise.all([
    inclusionProof(reader, entry.leaf_index, head.tree_size),
    since === null ? Promise.resolve([]) : consistencyProof(reader, since, head.tree_size),
  ]);
  return {
    entry,
    audit_path: path.map(hex),
    tree_head: head,
    consistency_from: since,
    consistency_path: consistency.map(hex),
  };
}
