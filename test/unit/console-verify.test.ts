import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalJson as serverCanonicalJson } from '../../src/domain/canonical-json.js';
import { STARTER_CONSTITUTION } from '../../src/domain/constitution/starter.js';
import { fromHex, toHex, utf8 } from '../../web/src/verify/bytes.js';
import { canonicalJson } from '../../web/src/verify/canonical-json.js';
import { constitutionHash } from '../../web/src/verify/constitution-hash.js';
import { leafHash, rootFromInclusion, verifyConsistency, verifyInclusion } from '../../web/src/verify/merkle.js';
import { sha256Fallback, sha256Sync, sha256WebCrypto, type Sha256 } from '../../web/src/verify/sha256.js';
import { KNOWN_ANSWER } from '../support/constitution-vectors.js';
import { entries, reference, sha } from '../support/rfc9162-reference.js';

// The exhaustive runs use the fallback: a WebCrypto digest costs a promise and a thread hop per hash, ~4× slower
// over 45,150 proofs, and the two are held equal by the tests that run both.
// The console's framework-free checks (web/src/verify), run here on Node with the same WebCrypto API the browser
// has and with the pure-JS fallback a page on an insecure origin uses.
const hashers: [string, Sha256][] = [
  ['WebCrypto', sha256WebCrypto],
  ['fallback', sha256Fallback],
];

describe('console verification modules', () => {
  it('SHA-256 fallback agrees with node:crypto at every length across block boundaries', () => {
    for (let length = 0; length <= 300; length += 1) {
      const data = randomBytes(length);
      assert.equal(toHex(sha256Sync(data)), createHash('sha256').update(data).digest('hex'), `length ${length}`);
    }
    assert.equal(
      toHex(sha256Sync(utf8('abc'))),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      'FIPS 180-2 example',
    );
  });

  it('hex parsing refuses what is not hex', () => {
    assert.deepEqual([...fromHex('00ff10')], [0, 255, 16]);
    for (const bad of ['0', 'zz', '0g', ' 00']) assert.throws(() => fromHex(bad));
  });

  it('canonical JSON matches the server on the constitution vector and on awkward values', () => {
    const values: unknown[] = [
      KNOWN_ANSWER.document,
      { b: 1, a: [1.5, -0, 1e21, 1e-7, 123456789012345680000], é: 'x', '\u2028': '\u0007"\\', A: null },
      { '\ud83d\ude00': 1, '\ufb33': 2, z: { y: [true, false, {}] } },
      [],
      'plain',
    ];
    for (const value of values) assert.equal(canonicalJson(value), serverCanonicalJson(value));
    assert.throws(() => canonicalJson({ n: Number.NaN }));
  });

  for (const [name, hasher] of hashers) {
    it(`constitution hash (${name}): the published known-answer vector and the starter constitution`, async () => {
      assert.equal(await constitutionHash(KNOWN_ANSWER.document, hasher), KNOWN_ANSWER.hash);
      assert.equal(await constitutionHash(STARTER_CONSTITUTION, hasher), KNOWN_ANSWER.starterHash);
      // Views carry ids and statuses and list principles in any order: none of that may change the hash.
      const decorated = {
        principles: [...STARTER_CONSTITUTION.principles]
          .reverse()
          .map((principle) => ({ ...principle, id: 'x', status: 'active' })),
        meta_rules: STARTER_CONSTITUTION.meta_rules,
      };
      assert.equal(await constitutionHash(decorated, hasher), KNOWN_ANSWER.starterHash);
      const altered = {
        ...STARTER_CONSTITUTION,
        principles: STARTER_CONSTITUTION.principles.map((p, i) => (i === 0 ? { ...p, priority: p.priority + 1 } : p)),
      };
      assert.notEqual(await constitutionHash(altered, hasher), KNOWN_ANSWER.starterHash);
    });
  }

  it('inclusion: every index of trees of 1..300 leaves against the recursive reference', async () => {
    const data = entries(300);
    const ref = reference(data);
    for (let size = 1; size <= 300; size += 1) {
      const root = ref.root(size);
      for (let index = 0; index < size; index += 1) {
        const leaf = await leafHash(data[index]!, sha256Fallback);
        assert.ok(leaf.every((byte, i) => byte === ref.leaf(index)[i]));
        assert.ok(
          await verifyInclusion(leaf, index, size, ref.path(index, size), root, sha256Fallback),
          `${index}/${size}`,
        );
      }
    }
  });

  it('consistency: every pair of sizes up to 300 against the reference', async () => {
    const ref = reference(entries(300));
    for (let second = 1; second <= 300; second += 1) {
      for (let first = 1; first <= second; first += 1) {
        const ok = await verifyConsistency(
          first,
          second,
          ref.proof(first, second),
          ref.root(first),
          ref.root(second),
          sha256Fallback,
        );
        assert.ok(ok, `${first}→${second}`);
      }
    }
  });

  for (const [name, hasher] of hashers) {
    it(`rejects edited leaves, wrong indexes and sizes, replaced roots and tampered proofs (${name})`, async () => {
      const data = entries(37);
      const ref = reference(data);
      const root = ref.root(37);
      const leaf = await leafHash(data[5]!, hasher);
      const path = ref.path(5, 37);
      assert.ok(await verifyInclusion(leaf, 5, 37, path, root, hasher));
      assert.ok(
        !(await verifyInclusion(await leafHash(Buffer.from('entry-5 edited'), hasher), 5, 37, path, root, hasher)),
      );
      assert.ok(!(await verifyInclusion(leaf, 6, 37, path, root, hasher)));
      // A size changes the proof's shape; 33 has the same shape as 37 for this leaf, 7 does not.
      assert.ok(!(await verifyInclusion(leaf, 5, 7, path, root, hasher)));
      assert.ok(!(await verifyInclusion(leaf, 5, 37, path, sha(Buffer.from('other root')), hasher)));
      assert.ok(!(await verifyInclusion(leaf, 5, 37, path.slice(1), root, hasher)));
      assert.ok(!(await verifyInclusion(leaf, 5, 37, [...path, path[0]!], root, hasher)));
      for (const [index, size] of [
        [-1, 37],
        [37, 37],
        [0, 0],
        [1.5, 37],
        [0, Number.MAX_SAFE_INTEGER + 2],
      ] as const)
        assert.equal(await rootFromInclusion(leaf, index, size, path, hasher), null);

      const proof = ref.proof(20, 37);
      assert.ok(await verifyConsistency(20, 37, proof, ref.root(20), root, hasher));
      assert.ok(!(await verifyConsistency(20, 37, proof, sha(Buffer.from('forged')), root, hasher)));
      assert.ok(!(await verifyConsistency(20, 37, proof, ref.root(20), ref.root(36), hasher)));
      assert.ok(!(await verifyConsistency(21, 37, proof, ref.root(20), root, hasher)));
      assert.ok(!(await verifyConsistency(20, 37, proof.slice(1), ref.root(20), root, hasher)));
      assert.ok(!(await verifyConsistency(37, 20, proof, root, ref.root(20), hasher)));
      assert.ok(!(await verifyConsistency(16, 37, [], ref.root(16), root, hasher)));
      assert.ok(await verifyConsistency(37, 37, [], root, root, hasher));
    });
  }
});
