import { consistencyProof } from '../../domain/audit/merkle.js';
import type { SignedBundle } from '../../domain/policy/bundle.js';
import { BUNDLE_ACTIVATED_ACTION, type BundleLogProof } from '../../domain/policy/transparency.js';
import type { Database } from '../../platform/db/database.js';
import { proveEntry } from '../../platform/audit/proof.js';
import { AuditReader } from '../../platform/audit/reader.js';
import type { TreeHeads } from '../../platform/audit/tree-heads.js';

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
  const reader = new AuditReader(db);
  const entry = await reader.firstEntry(BUNDLE_ACTIVATED_ACTION, `bundle:${signed.bundle.version}`, signed.hash);
  if (entry === null) return null;
  const head = await heads.covering(entry.leaf_index);
  const since = sinceTreeSize !== null && sinceTreeSize >= 1 && sinceTreeSize <= head.tree_size ? sinceTreeSize : null;
  const [proof, consistency] = await Promise.all([
    proveEntry(reader, entry, head),
    since === null ? Promise.resolve([]) : consistencyProof(reader, since, head.tree_size),
  ]);
  return {
    entry,
    leaf_data: proof.leaf_data,
    audit_path: proof.audit_path,
    tree_head: head,
    consistency_from: since,
    consistency_path: consistency.map((hash) => hash.toString('hex')),
  };
}
