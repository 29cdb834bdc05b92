import { entryBytes, type AuditEntry } from '../audit/entry.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../audit/merkle.js';
import { treeHeadSignedData, type SignedTreeHead } from '../audit/tree-head.js';
import type { SignedBundle, Verifier } from './bundle.js';

export const BUNDLE_ACTIVATED_ACTION = 'bundle.activated';

/** What shows a bundle is in the audit log: its activation entry, the path to a signed head, and how that head extends the last one seen. */
export interface BundleLogProof {
  entry: AuditEntry;
  /** The exact bytes the entry's leaf hashes (RFC 8785 canonical JSON, UTF-8), so a checker needs no JSON canonicaliser. */
  leaf_data: string;
  audit_path: string[];
  tree_head: SignedTreeHead;
  /** RFC 9162 consistency proof from `consistency_from` (the head the checker saw last) to tree_head. */
  consistency_from: number | null;
  consistency_path: string[];
}

export type TransparencyFailure = 'not_in_log' | 'inclusion_proof' | 'tree_head_signature' | 'tree_head_inconsistent';

export type TransparencyCheck =
  { ok: true; head: SignedTreeHead } | { ok: false; reason: TransparencyFailure; detail: string };

const HEX_HASH = /^[0-9a-f]{64}$/;
const hashes = (values: readonly string[]) =>
  values.every((value) => HEX_HASH.test(value)) ? values.map((value) => Buffer.from(value, 'hex')) : null;

function failure(reason: TransparencyFailure, detail: string): TransparencyCheck {
  return { ok: false, reason, detail };
}

/**
 * Accepts a bundle only if the log shows it was activated: the activation entry names this bundle's hash, the entry
 * is included in a head signed by a trusted key, and that head extends (or equals) the last head this checker
 * accepted. A server handed a bundle the log does not show, or a log forked to hide one, fails here.
 */
export async function checkBundleLogged(
  signed: SignedBundle,
  proof: BundleLogProof | null,
  lastHead: SignedTreeHead | null,
  verifyHead: Verifier,
): Promise<TransparencyCheck> {
  if (proof === null)
    return failure('not_in_log', `no ${BUNDLE_ACTIVATED_ACTION} entry for bundle v${signed.bundle.version}`);
  const { entry, tree_head: head } = proof;
  if (
    entry.action !== BUNDLE_ACTIVATED_ACTION ||
    entry.resource !== `bundle:${signed.bundle.version}` ||
    entry.details['hash'] !== signed.hash
  ) {
    return failure(
      'not_in_log',
      `the log entry offered for bundle v${signed.bundle.version} records a different bundle`,
    );
  }
  if (
    head.signed_data !== treeHeadSignedData(head) ||
    !(await verifyHead(Buffer.from(head.signed_data, 'utf8'), head.signature).catch(() => false))
  ) {
    return failure('tree_head_signature', `the tree head of size ${head.tree_size} is not signed by a trusted key`);
  }
  const path = hashes(proof.audit_path);
  const root = hashes([head.root_hash]);
  if (
    path === null ||
    root === null ||
    !verifyInclusion(leafHash(entryBytes(entry)), entry.leaf_index, head.tree_size, path, root[0]!)
  ) {
    return failure(
      'inclusion_proof',
      `leaf ${entry.leaf_index} is not proven to be in the signed tree of size ${head.tree_size}`,
    );
  }
  if (lastHead !== null) {
    const consistency = hashes(proof.consistency_path);
    const lastRoot = hashes([lastHead.root_hash]);
    const extendsLastHead =
      proof.consistency_from === lastHead.tree_size &&
      consistency !== null &&
      lastRoot !== null &&
      verifyConsistency(lastHead.tree_size, head.tree_size, consistency, lastRoot[0]!, root[0]!);
    if (!extendsLastHead)
      return failure(
        'tree_head_inconsistent',
        `the signed tree of size ${head.tree_size} does not extend the one of size ${lastHead.tree_size} seen before`,
      );
  }
  return { ok: true, head };
}
