import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { auditEntry } from '../support/audit-entry.js';
import { entryBytes, type AuditEntry } from '../../src/domain/audit/entry.js';
import { MemoryTree } from '../../src/domain/audit/memory-tree.js';
import { consistencyProof, inclusionProof, rootHash } from '../../src/domain/audit/merkle.js';
import { treeHeadSignedData, type SignedTreeHead } from '../../src/domain/audit/tree-head.js';
import {
  generateSigningKey,
  signDetached,
  unlockKey,
  verifyDetached,
  type UnlockedKey,
} from '../../src/domain/crypto/openpgp.js';
import { assembleBundle, bundleHash, type SignedBundle } from '../../src/domain/policy/bundle.js';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import { checkBundleLogged, type BundleLogProof } from '../../src/domain/policy/transparency.js';

const hex = (hash: Buffer) => hash.toString('hex');

describe('bundle transparency check', () => {
  let key: UnlockedKey;
  let stranger: UnlockedKey;
  let trusted: (data: Uint8Array, signature: string) => Promise<boolean>;
  const bundle = assembleBundle({
    version: 3,
    constitutionHash: 'c'.repeat(64),
    policies: starterPolicies(),
    createdAt: new Date(0),
  });
  const signed: SignedBundle = { bundle, hash: bundleHash(bundle), signature: 'checked elsewhere', key_id: 'k' };
  const activation = (index: number) => auditEntry(index, 'bundle.activated', 'bundle:3', { hash: signed.hash });

  before(async () => {
    const generated = await generateSigningKey('pass');
    key = await unlockKey(generated.armoredPrivate, 'pass');
    const other = await generateSigningKey('pass');
    stranger = await unlockKey(other.armoredPrivate, 'pass');
    trusted = async (data, signature) => (await verifyDetached(data, signature, [generated.armoredPublic])).valid;
  });

  async function tree(entries: readonly AuditEntry[]): Promise<MemoryTree> {
    const memory = new MemoryTree();
    for (const item of entries) await memory.append(entryBytes(item));
    return memory;
  }

  async function head(memory: MemoryTree, size: number, signer: UnlockedKey = key): Promise<SignedTreeHead> {
    const fields = {
      root_hash: hex(await rootHash(memory, size)),
      timestamp: new Date(1_700_000_100_000 + size).toISOString(),
      tree_size: size,
    };
    const signedData = treeHeadSignedData(fields);
    return {
      ...fields,
      signed_data: signedData,
      signature: await signDetached(Buffer.from(signedData), signer),
      key_fingerprint: 'k',
    };
  }

  async function proof(
    memory: MemoryTree,
    logged: AuditEntry,
    treeHead: SignedTreeHead,
    since: number | null,
  ): Promise<BundleLogProof> {
    return {
      entry: logged,
      leaf_data: entryBytes(logged).toString('utf8'),
      audit_path: (await inclusionProof(memory, logged.leaf_index, treeHead.tree_size)).map(hex),
      tree_head: treeHead,
      consistency_from: since,
      consistency_path: since === null ? [] : (await consistencyProof(memory, since, treeHead.tree_size)).map(hex),
    };
  }

  it('accepts a logged bundle under a signed head that extends the last one seen, and names the reason for each refusal', async () => {
    const entries = [
      auditEntry(0, 'auth.login', 'user:a'),
      auditEntry(1, 'policy.approved', 'policy:x'),
      activation(2),
      auditEntry(3, 'decision.evaluated', 'decision:d'),
      auditEntry(4, 'auth.login', 'user:b'),
    ];
    const memory = await tree(entries);
    const earlier = await head(memory, 2);
    const now = await head(memory, 5);
    const good = await proof(memory, activation(2), now, 2);
    const accepted = await checkBundleLogged(signed, good, earlier, trusted);
    assert.deepEqual(accepted, { ok: true, head: now });
    assert.equal(
      (await checkBundleLogged(signed, await proof(memory, activation(2), now, null), null, trusted)).ok,
      true,
      'first sight needs no consistency proof',
    );

    const reason = async (offered: BundleLogProof | null, last: SignedTreeHead | null = earlier) => {
      const outcome = await checkBundleLogged(signed, offered, last, trusted);
      return outcome.ok ? 'accepted' : outcome.reason;
    };
    assert.equal(await reason(null), 'not_in_log');
    assert.equal(
      await reason({ ...good, entry: { ...good.entry, details: { hash: 'f'.repeat(64) } } }),
      'not_in_log',
      'an entry for another bundle',
    );
    assert.equal(await reason({ ...good, entry: entries[3]! }), 'not_in_log', 'an entry that is not an activation');
    assert.equal(
      await reason({ ...good, entry: { ...good.entry, timestamp: new Date(0).toISOString() } }),
      'inclusion_proof',
      'an edited entry',
    );
    assert.equal(await reason({ ...good, audit_path: good.audit_path.slice(1) }), 'inclusion_proof');
    assert.equal(await reason({ ...good, audit_path: ['not hex'] }), 'inclusion_proof');
    assert.equal(await reason({ ...good, tree_head: await head(memory, 5, stranger) }), 'tree_head_signature');
    assert.equal(
      await reason({ ...good, tree_head: { ...now, root_hash: 'a'.repeat(64) } }),
      'tree_head_signature',
      'fields no longer match what was signed',
    );

    // A fork: the same first two entries, then a different history that also logs the bundle.
    const forked = await tree([entries[0]!, entries[1]!, auditEntry(2, 'auth.login', 'user:mallory'), activation(3)]);
    const forkHead = await head(forked, 4);
    assert.equal(
      await reason(await proof(forked, activation(3), forkHead, 2)),
      'accepted',
      'the fork still extends size 2',
    );
    assert.equal(
      await reason(await proof(forked, activation(3), forkHead, 3), await head(memory, 3)),
      'tree_head_inconsistent',
      'but not the size-3 head seen before',
    );
    assert.equal(
      await reason(await proof(memory, activation(2), await head(memory, 3), 3), now),
      'tree_head_inconsistent',
      'a head older than the last one seen',
    );
    assert.equal(
      await reason({ ...good, consistency_from: null, consistency_path: [] }),
      'tree_head_inconsistent',
      'no consistency proof',
    );
  });
});
