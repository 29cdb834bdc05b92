import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { auditEntry } from '../support/audit-entry.js';
import { entryBytes } from '../../src/domain/audit/entry.js';
import { MemoryTree } from '../../src/domain/audit/memory-tree.js';
import { inclusionProof, rootHash } from '../../src/domain/audit/merkle.js';
import { treeHeadSignedData } from '../../src/domain/audit/tree-head.js';
import { canonicalJson } from '../../src/domain/canonical-json.js';
import { generateSigningKey, signDetached, unlockKey, type UnlockedKey } from '../../src/domain/crypto/openpgp.js';
import { assembleBundle, bundleHash } from '../../src/domain/policy/bundle.js';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import {
  checkBundle,
  checkReceipt,
  checkTreeHead,
  type KeyRing,
  type ServedBundle,
  type SignedTreeHead,
} from '../../web/src/verify/log-checks.js';
import { verifyDetachedSignature } from '../../web/src/verify/signatures.js';
import { acceptKey, decideTrust, type TrustStore } from '../../web/src/verify/trust.js';

// The console's checks of signed heads, bundles and receipts (web/src/verify/log-checks.ts), with real OpenPGP keys
// signing what the platform signs, and every way the evidence can be wrong.
function memoryStore(initial: string[] = []): TrustStore & { value: string[] } {
  const store = {
    value: initial,
    read: () => store.value,
    write: (fingerprints: readonly string[]) => {
      store.value = [...fingerprints];
    },
  };
  return store;
}

describe('console log checks', () => {
  const platform = { fingerprint: '', armored: '', key: null as unknown as UnlockedKey };
  const stranger = { fingerprint: '', armored: '', key: null as unknown as UnlockedKey };
  const bundle = assembleBundle({
    version: 2,
    constitutionHash: 'c'.repeat(64),
    policies: starterPolicies(),
    createdAt: new Date(0),
  });
  const hash = bundleHash(bundle);
  const entries = [
    auditEntry(0, 'auth.login', 'user:a'),
    auditEntry(1, 'bundle.activated', 'bundle:2', { hash }),
    auditEntry(2, 'decision.evaluated', 'decision:d-1', { decision: 'deny' }),
    auditEntry(3, 'auth.login', 'user:b'),
  ];
  const memory = new MemoryTree();
  let head: SignedTreeHead;
  let served: ServedBundle;

  const ring = (configured: string[] | null, store = memoryStore()): KeyRing => ({
    armored: (fingerprint) =>
      fingerprint === platform.fingerprint
        ? platform.armored
        : fingerprint === stranger.fingerprint
          ? stranger.armored
          : null,
    trust: (fingerprint) => decideTrust(fingerprint, configured, store),
  });

  async function signHead(signer: typeof platform, fields = { size: 4, root: '' }): Promise<SignedTreeHead> {
    const base = {
      tree_size: fields.size,
      root_hash: fields.root,
      timestamp: new Date(1_700_000_100_000).toISOString(),
    };
    const signedData = treeHeadSignedData(base);
    return {
      ...base,
      signed_data: signedData,
      signature: await signDetached(Buffer.from(signedData), signer.key),
      key_fingerprint: signer.fingerprint,
    };
  }

  before(async () => {
    for (const holder of [platform, stranger]) {
      const generated = await generateSigningKey('pass');
      Object.assign(holder, {
        fingerprint: generated.fingerprint,
        armored: generated.armoredPublic,
        key: await unlockKey(generated.armoredPrivate, 'pass'),
      });
    }
    for (const item of entries) await memory.append(entryBytes(item));
    head = await signHead(platform, { size: 4, root: (await rootHash(memory, 4)).toString('hex') });
    served = {
      bundle,
      hash,
      signature: await signDetached(Buffer.from(canonicalJson(bundle)), platform.key),
      key_fingerprint: platform.fingerprint,
      log_proof: {
        leaf_data: entryBytes(entries[1]!).toString('utf8'),
        audit_path: (await inclusionProof(memory, 1, 4)).map((node) => node.toString('hex')),
        tree_head: head,
      },
    };
  });

  it('accepts a bundle, its signature, its activation leaf and the signed head with a configured fingerprint', async () => {
    const checks = await checkBundle(served, ring([platform.fingerprint]), verifyDetachedSignature);
    for (const [name, check] of Object.entries(checks)) assert.ok(check.ok, `${name}: ${check.detail}`);
  });

  it('fails each check on its own kind of tampering', async () => {
    const keys = ring([platform.fingerprint]);
    const edited = { ...served, bundle: { ...served.bundle, version: 3 } };
    const editedChecks = await checkBundle(edited, keys, verifyDetachedSignature);
    assert.ok(!editedChecks.hash.ok && !editedChecks.signature.ok && !editedChecks.inclusion.ok);

    const otherLeaf = {
      ...served,
      log_proof: { ...served.log_proof!, leaf_data: entryBytes(entries[2]!).toString('utf8') },
    };
    assert.match(
      (await checkBundle(otherLeaf, keys, verifyDetachedSignature)).inclusion.detail,
      /decision\.evaluated, not bundle\.activated/,
    );

    const forgedLeaf = {
      ...served,
      log_proof: {
        ...served.log_proof!,
        leaf_data: served.log_proof!.leaf_data.replace('"user_id":null', '"user_id":"x"'),
      },
    };
    assert.match(
      (await checkBundle(forgedLeaf, keys, verifyDetachedSignature)).inclusion.detail,
      /does not lead to root/,
    );

    const replacedRoot = { ...head, root_hash: 'ab'.repeat(32) };
    const withRoot = { ...served, log_proof: { ...served.log_proof!, tree_head: replacedRoot } };
    const rootChecks = await checkBundle(withRoot, keys, verifyDetachedSignature);
    assert.ok(!rootChecks.inclusion.ok);
    assert.match(rootChecks.treeHead.detail, /signed bytes are not this head/);

    const resigned = await signHead(stranger, { size: 4, root: head.root_hash });
    assert.match(
      (await checkTreeHead(resigned, keys, verifyDetachedSignature)).detail,
      /not one of the fingerprints this console is configured to trust/,
    );
    // A stranger's signature offered under the platform's fingerprint: the right key does not verify it.
    const misattributed = { ...resigned, key_fingerprint: platform.fingerprint };
    assert.match((await checkTreeHead(misattributed, keys, verifyDetachedSignature)).detail, /does not verify/);
    // The stranger's key offered as the platform's: its fingerprint gives it away.
    const swappedKey: KeyRing = { ...keys, armored: () => stranger.armored };
    assert.match((await checkTreeHead(head, swappedKey, verifyDetachedSignature)).detail, /the key offered is/);
  });

  it('trusts the first key on first use with a warning, refuses a changed key loudly, and accepts a rotation once accepted', async () => {
    const store = memoryStore();
    const first = await checkTreeHead(head, ring(null, store), verifyDetachedSignature);
    assert.ok(first.ok);
    assert.match(first.detail, /first key this browser has seen/);
    assert.deepEqual(store.value, [platform.fingerprint.toLowerCase()]);
    assert.ok((await checkTreeHead(head, ring(null, store), verifyDetachedSignature)).ok);
    const rotated = await signHead(stranger, { size: 4, root: head.root_hash });
    assert.match((await checkTreeHead(rotated, ring(null, store), verifyDetachedSignature)).detail, /KEY CHANGED/);
    acceptKey(stranger.fingerprint, store);
    assert.ok((await checkTreeHead(rotated, ring(null, store), verifyDetachedSignature)).ok);
  });

  it('checks a decision receipt: the named decision, in the tree the signed head commits to', async () => {
    const receipt = {
      leaf_data: entryBytes(entries[2]!).toString('utf8'),
      audit_path: (await inclusionProof(memory, 2, 4)).map((node) => node.toString('hex')),
      tree_head: head,
    };
    const keys = ring([platform.fingerprint]);
    const good = await checkReceipt(receipt, 'd-1', keys, verifyDetachedSignature);
    assert.ok(good.inclusion.ok && good.treeHead.ok, `${good.inclusion.detail} / ${good.treeHead.detail}`);
    assert.match(
      (await checkReceipt(receipt, 'd-2', keys, verifyDetachedSignature)).inclusion.detail,
      /not decision:d-2/,
    );
    const edited = { ...receipt, leaf_data: receipt.leaf_data.replace('deny', 'allow') };
    assert.ok(!(await checkReceipt(edited, 'd-1', keys, verifyDetachedSignature)).inclusion.ok);
    const badPath = { ...receipt, audit_path: ['zz'] };
    assert.match(
      (await checkReceipt(badPath, 'd-1', keys, verifyDetachedSignature)).inclusion.detail,
      /malformed proof/,
    );
  });
});
