import type { TreeHead } from '../api/contract.js';
/**
 * What the browser checks of the platform's signed statements, with nothing taken on the server's word: a tree head
 * (its signed bytes are exactly its fields, signed by a trusted key), an entry's inclusion under a head, and a bundle
 * (its hash, its signature, and the log's record of its activation).
 */
import { fromHex, toHex, utf8 } from './bytes.js';
import { canonicalJson } from './canonical-json.js';
import { leafHash, verifyInclusion } from './merkle.js';
import { sha256 } from './sha256.js';
import type { SignatureVerifier } from './signatures.js';
import type { TrustVerdict } from './trust.js';

/** A signed tree head as integrity serves it. */
export type SignedTreeHead = TreeHead;

export type Check = { ok: true; detail: string } | { ok: false; detail: string };

export interface KeyRing {
  /** The armored public key with this fingerprint, if the platform publishes one. */
  armored(fingerprint: string): string | null;
  trust(fingerprint: string): TrustVerdict;
}

const fail = (detail: string): Check => ({ ok: false, detail });

async function signedByTrustedKey(
  data: Uint8Array,
  signature: string,
  fingerprint: string,
  keys: KeyRing,
  verify: SignatureVerifier,
): Promise<Check> {
  const verdict = keys.trust(fingerprint);
  if (!verdict.trusted) return fail(verdict.reason);
  const armored = keys.armored(fingerprint);
  if (armored === null) return fail(`no published key has fingerprint ${fingerprint}`);
  const result = await verify(data, signature, armored, fingerprint);
  if (!result.valid) return fail(result.detail);
  return { ok: true, detail: verdict.how === 'first-use' ? `${result.detail} (${verdict.warning})` : result.detail };
}

export async function checkTreeHead(head: SignedTreeHead, keys: KeyRing, verify: SignatureVerifier): Promise<Check> {
  const expected = canonicalJson({ root_hash: head.root_hash, timestamp: head.timestamp, tree_size: head.tree_size });
  if (head.signed_data !== expected) return fail('the signed bytes are not this head’s size, root and time');
  return signedByTrustedKey(utf8(head.signed_data), head.signature, head.key_fingerprint, keys, verify);
}

export interface InclusionEvidence {
  leaf_data: string;
  leaf_index: number;
  audit_path: readonly string[];
  tree_size: number;
  root_hash: string;
}

export async function checkInclusion(evidence: InclusionEvidence): Promise<Check> {
  let path: Uint8Array[];
  let root: Uint8Array;
  try {
    path = evidence.audit_path.map(fromHex);
    root = fromHex(evidence.root_hash);
  } catch (error) {
    return fail(`malformed proof: ${(error as Error).message}`);
  }
  const ok = await verifyInclusion(
    await leafHash(utf8(evidence.leaf_data)),
    evidence.leaf_index,
    evidence.tree_size,
    path,
    root,
  );
  return ok
    ? {
        ok: true,
        detail: `leaf ${evidence.leaf_index} is in the tree of ${evidence.tree_size} with root ${evidence.root_hash.slice(0, 16)}…`,
      }
    : fail(`the audit path from leaf ${evidence.leaf_index} does not lead to root ${evidence.root_hash.slice(0, 16)}…`);
}

export interface ServedBundle {
  bundle: { version: number };
  hash: string;
  signature: string;
  key_fingerprint: string;
  log_proof: {
    leaf_data: string;
    audit_path: string[];
    tree_head: SignedTreeHead;
  } | null;
}

export interface BundleChecks {
  hash: Check;
  signature: Check;
  inclusion: Check;
  treeHead: Check;
}

/** A leaf's own record, read from the hashed bytes (never from the `entry` beside them). */
function parseLeaf(
  leafData: string,
): { leaf_index: number; action: unknown; resource: unknown; details: Record<string, unknown> } | string {
  let leaf: unknown;
  try {
    leaf = JSON.parse(leafData);
  } catch {
    return 'the leaf data is not JSON';
  }
  const record = (leaf ?? {}) as Record<string, unknown>;
  if (typeof record['leaf_index'] !== 'number') return 'the leaf data carries no leaf index';
  const details = typeof record['details'] === 'object' && record['details'] !== null ? record['details'] : {};
  return {
    leaf_index: record['leaf_index'],
    action: record['action'],
    resource: record['resource'],
    details: details as Record<string, unknown>,
  };
}

/** The leaf must say what it is claimed to: this bundle's activation. */
function activationLeaf(leafData: string, bundle: ServedBundle): { leaf_index: number } | string {
  const leaf = parseLeaf(leafData);
  if (typeof leaf === 'string') return leaf;
  if (leaf.action !== 'bundle.activated') return `the leaf records ${String(leaf.action)}, not bundle.activated`;
  if (leaf.resource !== `bundle:${bundle.bundle.version}`) return `the leaf is for ${String(leaf.resource)}`;
  if (leaf.details['hash'] !== bundle.hash) return 'the leaf records the activation of a different bundle';
  return leaf;
}

export async function checkBundle(
  served: ServedBundle,
  keys: KeyRing,
  verify: SignatureVerifier,
): Promise<BundleChecks> {
  const bytes = utf8(canonicalJson(served.bundle));
  const computed = toHex(await sha256(bytes));
  const hash: Check =
    computed === served.hash
      ? { ok: true, detail: `SHA-256 of the bundle recomputed here: ${computed}` }
      : fail(`the bundle hashes to ${computed.slice(0, 16)}…, not ${served.hash.slice(0, 16)}…`);
  const signature = await signedByTrustedKey(bytes, served.signature, served.key_fingerprint, keys, verify);
  const proof = served.log_proof;
  if (proof === null) {
    const missing = fail('the log shows no activation of this bundle');
    return { hash, signature, inclusion: missing, treeHead: missing };
  }
  const leaf = activationLeaf(proof.leaf_data, served);
  const inclusion =
    typeof leaf === 'string'
      ? fail(leaf)
      : await checkInclusion({
          leaf_data: proof.leaf_data,
          leaf_index: leaf.leaf_index,
          audit_path: proof.audit_path,
          tree_size: proof.tree_head.tree_size,
          root_hash: proof.tree_head.root_hash,
        });
  const treeHead = await checkTreeHead(proof.tree_head, keys, verify);
  return { hash, signature, inclusion, treeHead };
}

/** A decision receipt as GET /api/v1/audit/receipts/{id} serves it. */
export interface Receipt {
  leaf_data: string;
  audit_path: string[];
  tree_head: SignedTreeHead;
}

export interface ReceiptChecks {
  inclusion: Check;
  treeHead: Check;
}

/** The receipt's leaf is the decision it names, in the tree its signed head commits to. */
export async function checkReceipt(
  receipt: Receipt,
  decisionId: string,
  keys: KeyRing,
  verify: SignatureVerifier,
): Promise<ReceiptChecks> {
  const leaf = parseLeaf(receipt.leaf_data);
  let inclusion: Check;
  if (typeof leaf === 'string') inclusion = fail(leaf);
  else if (leaf.action !== 'decision.evaluated' || leaf.resource !== `decision:${decisionId}`)
    inclusion = fail(`the leaf is for ${String(leaf.resource)}, not decision:${decisionId}`);
  else
    inclusion = await checkInclusion({
      leaf_data: receipt.leaf_data,
      leaf_index: leaf.leaf_index,
      audit_path: receipt.audit_path,
      tree_size: receipt.tree_head.tree_size,
      root_hash: receipt.tree_head.root_hash,
    });
  return { inclusion, treeHead: await checkTreeHead(receipt.tree_head, keys, verify) };
}
