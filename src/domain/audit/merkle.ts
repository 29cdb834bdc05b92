import { createHash } from 'node:crypto';

/**
 * RFC 9162 (Certificate Transparency v2, §2.1) Merkle tree hashing, proofs and their verification.
 *
 * Proofs are built from a store of *complete* subtree hashes: node (level, index) covers leaves
 * [index·2^level, (index+1)·2^level) and never changes once its last leaf is appended. Every subtree the RFC's
 * recursion needs is either such a node or splits into one plus a smaller right part, so a proof or a root needs
 * O(log n) nodes — computed up front and read in one batch — and never the log itself.
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

/** Reads the hashes of complete subtrees: level 0 is leaf hashes. */
export interface SubtreeReader {
  node(level: number, index: number): Promise<Hash>;
  /** Many nodes at once (one round trip for a whole proof), keyed "level:index". */
  nodes(coordinates: readonly [number, number][]): Promise<Map<string, Hash>>;
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isPowerOfTwo = (n: number) => n > 0 && 2 ** Math.round(Math.log2(n)) === n;

type Range = [start: number, size: number];

/** The stored nodes whose hashes make up MTH of leaves [start, start+size), by the RFC's split. */
function rangeNodes(start: number, size: number, into: Map<string, [number, number]>): void {
  if (isPowerOfTwo(size) && start % size === 0) {
    const level = Math.log2(size);
    into.set(`${level}:${start / size}`, [level, start / size]);
    return;
  }
  const k = splitPoint(size);
  rangeNodes(start, k, into);
  rangeNodes(start + k, size - k, into);
}

function rangeHash(nodes: ReadonlyMap<string, Hash>, start: number, size: number): Hash {
  if (isPowerOfTwo(size) && start % size === 0) {
    const hash = nodes.get(`${Math.log2(size)}:${start / size}`);
    if (hash === undefined) throw new Error(`audit tree node ${Math.log2(size)}:${start / size} is missing`);
    return hash;
  }
  const k = splitPoint(size);
  return nodeHash(rangeHash(nodes, start, k), rangeHash(nodes, start + k, size - k));
}

/** Hashes of the given leaf ranges, reading every node they need in one batch. */
async function rangeHashes(reader: SubtreeReader, ranges: readonly Range[]): Promise<Hash[]> {
  const needed = new Map<string, [number, number]>();
  for (const [start, size] of ranges) rangeNodes(start, size, needed);
  const nodes = await reader.nodes([...needed.values()]);
  return ranges.map(([start, size]) => rangeHash(nodes, start, size));
}

export async function rootHash(reader: SubtreeReader, size: number): Promise<Hash> {
  return size === 0 ? EMPTY_ROOT : (await rangeHashes(reader, [[0, size]]))[0]!;
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]) for the tree of the first `size` leaves, leaf first. */
export async function inclusionProof(reader: SubtreeReader, index: number, size: number): Promise<Hash[]> {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of size ${size}`);
  const siblings: Range[] = [];
  let start = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      siblings.push([start + k, n - k]);
      n = k;
    } else {
      siblings.push([start, k]);
      start += k;
      m -= k;
      n -= k;
    }
  }
  // Collected root-first while descending; the proof lists siblings from the leaf up.
  return (await rangeHashes(reader, siblings)).reverse();
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]): consistency of the first `first` leaves with the first `second`. */
export async function consistencyProof(reader: SubtreeReader, first: number, second: number): Promise<Hash[]> {
  if (!(first > 0 && first <= second)) throw new RangeError(`no consistency proof from size ${first} to ${second}`);
  const ranges: Range[] = [];
  let start = 0;
  let n = second;
  let m = first;
  let complete = true;
  while (m !== n) {
    const k = splitPoint(n);
    if (m <= k) {
      ranges.push([start + k, n - k]);
      n = k;
    } else {
      ranges.push([start, k]);
      start += k;
      m -= k;
      n -= k;
      complete = false;
    }
  }
  if (!complete) ranges.push([start, m]);
  return (await rangeHashes(reader, ranges)).reverse();
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
export function verifyConsistency(
  first: number,
  second: number,
  proof: readonly Hash[],
  firstRoot: Hash,
  secondRoot: Hash,
): boolean {
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
export async function completedNodes(
  reader: SubtreeReader,
  index: number,
  leaf: Hash,
): Promise<[number, number, Hash][]> {
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
