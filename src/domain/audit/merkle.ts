import { createHash } from 'node:crypto';

/**
 * RFC 9162 (Certificate Transparency v2, §2.1) Merkle tree hashing, proofs and their verification.
 *
 * Proofs are built from a store of *complete* subtree hashes: node (level, index) covers leaves
 * [index·2^level, (index+1)·2^level) and never changes once its last leaf is appended. Every subtree the RFC's
 * recursion needs is either such a node or splits into one plus a smaller right part, so a proof or a root reads
 * O(log n) nodes and never the log itself.
 */

export type Hash = Buffer;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export function leafHash(entry: Buffer): Hash {
  return createHash('sha256').update(LEAF_PREFIX).update(entry).digest();
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

export const EMPTY_ROOT: Hash = createHash('sha256').digest();

/** Reads the hash of a complete subtree: level 0 is leaf hashes. */
export interface SubtreeReader {
  node(level: number, index: number): Promise<Hash>;
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isPowerOfTwo = (n: number) => n > 0 && 2 ** Math.round(Math.log2(n)) === n;

/** MTH of leaves [start, start+size): a stored node when aligned and complete, else the RFC's split. */
async function subtreeHash(reader: SubtreeReader, start: number, size: number): Promise<Hash> {
  if (isPowerOfTwo(size) && start % size === 0) return reader.node(Math.log2(size), start / size);
  const k = splitPoint(size);
  return nodeHash(await subtreeHash(reader, start, k), await subtreeHash(reader, start + k, size - k));
}

export async function rootHash(reader: SubtreeReader, size: number): Promise<Hash> {
  return size === 0 ? EMPTY_ROOT : subtreeHash(reader, 0, size);
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]) for the tree of the first `size` leaves, leaf first. */
export async function inclusionProof(reader: SubtreeReader, index: number, size: number): Promise<Hash[]> {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of size ${size}`);
  const path: Hash[] = [];
  let start = 0;
  let n = size;
  let m = index;
  const pending: Promise<Hash>[] = [];
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      pending.push(subtreeHash(reader, start + k, n - k));
      n = k;
    } else {
      pending.push(subtreeHash(reader, start, k));
      start += k;
      m -= k;
      n -= k;
    }
  }
  // Collected root-first while descending; the proof lists siblings from the leaf up.
  path.push(...(await Promise.all(pending)).reverse());
  return path;
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]): consistency of the first `first` leaves with the first `second`. */
export async function consistencyProof(reader: SubtreeReader, first: number, second: number): Promise<Hash[]> {
  if (!(first > 0 && first <= second)) throw new RangeError(`no consistency proof from size ${first} to ${second}`);
  const proof: Promise<Hash>[] = [];
  let start = 0;
  let n = second;
  let m = first;
  let complete = true;
  while (m !== n) {
    const k = splitPoint(n);
    if (m <= k) {
      proof.push(subtreeHash(reader, start + k, n - k));
      n = k;
    } else {
      proof.push(subtreeHash(reader, start, k));
      start += k;
      m -= k;
      n -= k;
      complete = false;
    }
  }
  if (!complete) proof.push(subtreeHash(reader, start, m));
  return (await Promise.all(proof)).reverse();
}

const lsb = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);

/** RFC 9162 §2.1.3.2: does `path` prove leaf `index` (hash `leaf`) is in the tree of `size` with `root`? */
export function verifyInclusion(leaf: Hash, index: number, size: number, path: readonly Hash[], root: Hash): boolean {
  if (!(index >= 0 && index < size)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree of `first` leaves (`firstRoot`) is a prefix of `second` (`secondRoot`)? */
export function verifyConsistency(first: number, second: number, proof: readonly Hash[], firstRoot: Hash, secondRoot: Hash): boolean {
  if (first <= 0 || first > second) return false;
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  const nodes = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  if (nodes.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = nodes[0]!;
  let sr = nodes[0]!;
  for (const c of nodes.slice(1)) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot);
}

/** The subtree nodes completed by appending leaf `index`: [level, index, hash] for each level ≥ 1. */
export async function completedNodes(reader: SubtreeReader, index: number, leaf: Hash): Promise<[number, number, Hash][]> {
  const created: [number, number, Hash][] = [];
  let level = 0;
  let position = index;
  let hash = leaf;
  while (lsb(position)) {
    const sibling = await reader.node(level, position - 1);
    hash = nodeHash(sibling, hash);
    level += 1;
    position = half(position);
    created.push([level, position, hash]);
  }
  return created;
}
