import { entryBytes, type AuditEntry } from '../../domain/audit/entry.js';
import { consistencyProof, inclusionProof } from '../../domain/audit/merkle.js';
import type { SignedTreeHead } from '../../domain/audit/tree-head.js';
import type { AuditReader } from './reader.js';

const hex = (hash: Buffer) => hash.toString('hex');

/** An entry with what a checker needs to see it is leaf `index` of the tree of `tree_size` leaves, root `root_hash`. */
export interface EntryProof {
  entry: AuditEntry;
  /** Exactly the bytes the leaf hash commits to, so a checker needs no JSON canonicaliser of its own. */
  leaf_data: string;
  index: number;
  tree_size: number;
  root_hash: string;
  audit_path: string[];
}

/**
 * The one way an entry is proven: its leaf data and RFC 9162 inclusion path in a tree that holds it — a signed head
 * (whose root is taken as signed) or a bare size (whose root is computed). Receipts, bundle log proofs, the inclusion
 * route and `acgs audit prove` all answer with this.
 */
export async function proveEntry(
  reader: AuditReader,
  entry: AuditEntry,
  tree: number | SignedTreeHead,
): Promise<EntryProof> {
  const size = typeof tree === 'number' ? tree : tree.tree_size;
  const [path, root] = await Promise.all([
    inclusionProof(reader, entry.leaf_index, size),
    typeof tree === 'number' ? reader.root(size).then(hex) : tree.root_hash,
  ]);
  return {
    entry,
    leaf_data: entryBytes(entry).toString('utf8'),
    index: entry.leaf_index,
    tree_size: size,
    root_hash: root,
    audit_path: path.map(hex),
  };
}

/** RFC 9162 consistency proof from the tree of `first` leaves to the tree of `second`, with both roots. */
export async function proveConsistency(reader: AuditReader, first: number, second: number) {
  const [proof, firstRoot, secondRoot] = await Promise.all([
    consistencyProof(reader, first, second),
    reader.root(first),
    reader.root(second),
  ]);
  return { first, second, first_root: hex(firstRoot), second_root: hex(secondRoot), proof: proof.map(hex) };
}
