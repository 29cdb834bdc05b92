import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryTree } from '../../src/domain/audit/memory-tree.js';
import {
  consistencyProof,
  inclusionProof,
  rootHash,
  verifyConsistency,
  verifyInclusion,
} from '../../src/domain/audit/merkle.js';
import { entries, reference, sha } from '../support/rfc9162-reference.js';

async function treeOf(data: Buffer[]): Promise<MemoryTree> {
  const tree = new MemoryTree();
  for (const entry of data) await tree.append(entry);
  return tree;
}

describe('Merkle tree (RFC 9162) against an independent reference', () => {
  it('matches roots, inclusion proofs and consistency proofs for every index of trees of size 1..300', async () => {
    const data = entries(300);
    const ref = reference(data);
    const tree = new MemoryTree();
    const roots: Buffer[] = [];
    for (let size = 1; size <= 300; size += 1) {
      await tree.append(data[size - 1]!);
      const root = await rootHash(tree, size);
      assert.ok(root.equals(ref.root(size)), `root of ${size}`);
      roots.push(root);
      for (let index = 0; index < size; index += 1) {
        const ours = await inclusionProof(tree, index, size);
        assert.deepEqual(ours, ref.path(index, size), `path ${index}/${size}`);
        assert.ok(verifyInclusion(sha(Buffer.from([0]), data[index]!), index, size, ours, root));
      }
    }
    for (let second = 1; second <= 300; second += 1) {
      for (let first = 1; first <= second; first += 1) {
        const ours = await consistencyProof(tree, first, second);
        assert.deepEqual(ours, ref.proof(first, second), `proof ${first}→${second}`);
        assert.ok(
          verifyConsistency(first, second, ours, roots[first - 1]!, roots[second - 1]!),
          `verify ${first}→${second}`,
        );
      }
    }
  });

  it('rejects wrong leaves, indexes, sizes, roots and tampered proofs', async () => {
    const data = entries(37);
    const tree = await treeOf(data);
    const root = await rootHash(tree, 37);
    const leaf = sha(Buffer.from([0]), data[5]!);
    const good = await inclusionProof(tree, 5, 37);
    assert.ok(verifyInclusion(leaf, 5, 37, good, root));
    assert.ok(!verifyInclusion(leaf, 6, 37, good, root));
    assert.ok(!verifyInclusion(sha(Buffer.from([0]), data[6]!), 5, 37, good, root));
    assert.ok(!verifyInclusion(leaf, 5, 37, [...good.slice(0, -1), sha(Buffer.from('x'))], root));
    assert.ok(!verifyInclusion(leaf, 5, 37, good.slice(1), root));
    const old = await rootHash(tree, 20);
    const consistency = await consistencyProof(tree, 20, 37);
    assert.ok(verifyConsistency(20, 37, consistency, old, root));
    assert.ok(!verifyConsistency(20, 37, consistency, sha(Buffer.from('forged')), root));
    assert.ok(!verifyConsistency(21, 37, consistency, old, root));
    await assert.rejects(inclusionProof(tree, 37, 37), RangeError);
    await assert.rejects(consistencyProof(tree, 38, 37), RangeError);
  });

  it('agrees with the reference on random large trees', async () => {
    let seed = 7;
    const random = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
    const data = entries(5000);
    const ref = reference(data);
    const tree = await treeOf(data);
    for (let trial = 0; trial < 40; trial += 1) {
      const size = 1 + random(5000);
      const index = random(size);
      const root = ref.root(size);
      const ours = await inclusionProof(tree, index, size);
      assert.deepEqual(ours, ref.path(index, size));
      assert.ok(verifyInclusion(sha(Buffer.from([0]), data[index]!), index, size, ours, root));
      const first = 1 + random(size);
      const consistency = await consistencyProof(tree, first, size);
      assert.deepEqual(consistency, ref.proof(first, size));
      assert.ok(verifyConsistency(first, size, consistency, ref.root(first), root));
    }
  });
});
