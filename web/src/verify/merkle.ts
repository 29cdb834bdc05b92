/**
 * RFC 9162 §2.1 proof verification for the browser: leaf and node hashing, inclusion (§2.1.3.2) and consistency
 * (§2.1.4.2). Verifiers answer true or false and never throw on hostile input: a malformed proof is a failed proof.
 */
import { concat, equalBytes } from './bytes.js';
import { sha256 as defaultSha256, type Sha256 } from './sha256.js';

const LEAF = new Uint8Array([0x00]);
const NODE = new Uint8Array([0x01]);

export function leafHash(leafData: Uint8Array, sha256: Sha256 = defaultSha256): Promise<Uint8Array> {
  return sha256(concat(LEAF, leafData));
}

export function nodeHash(left: Uint8Array, right: Uint8Array, sha256: Sha256 = defaultSha256): Promise<Uint8Array> {
  return sha256(concat(NODE, left, right));
}

const validSize = (n: number) => Number.isSafeInteger(n) && n >= 0;

/** The root the audit path leads to from `leaf` at `index` in a tree of `size`, or null if the path cannot fit. */
export async function rootFromInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
  sha256: Sha256 = defaultSha256,
): Promise<Uint8Array | null> {
  if (!validSize(index) || !validSize(size) || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r, sha256);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await nodeHash(r, p, sha256);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

export async function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
  root: Uint8Array,
  sha256: Sha256 = defaultSha256,
): Promise<boolean> {
  const computed = await rootFromInclusion(leaf, index, size, path, sha256);
  return computed !== null && equalBytes(computed, root);
}

/** §2.1.4.2: does `proof` show the tree of `first` leaves (root `firstRoot`) is a prefix of the one of `second`? */
export async function verifyConsistency(
  first: number,
  second: number,
  proof: readonly Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  sha256: Sha256 = defaultSha256,
): Promise<boolean> {
  if (!validSize(first) || !validSize(second) || first > second) return false;
  if (first === second) return proof.length === 0 && equalBytes(firstRoot, secondRoot);
  if (first === 0) return proof.length === 0;
  // When the first tree is a complete left subtree its root is the proof's implicit first element.
  const path = (first & (first - 1)) === 0 ? [firstRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = await nodeHash(c, fr, sha256);
      sr = await nodeHash(c, sr, sha256);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = await nodeHash(sr, c, sha256);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(fr, firstRoot) && equalBytes(sr, secondRoot);
}
