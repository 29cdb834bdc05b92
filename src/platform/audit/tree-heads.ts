import { treeHeadSignedData, type SignedTreeHead } from '../../domain/audit/tree-head.js';
import type { Database, Queryable } from '../db/database.js';
import { AuditReader, headFromRow } from './reader.js';

export type { SignedTreeHead };

/** Who signs heads: the integrity service's platform key. */
export interface HeadSigner {
  /** Makes sure a key exists before a head is taken: creating the first key is itself an audit event. */
  ready(): Promise<void>;
  sign(data: Uint8Array, q: Queryable): Promise<{ signature: string; fingerprint: string }>;
}

/** Whether `signature` over `data` verifies with a platform key (false, never a throw, for a mangled one). */
export type HeadSignatureCheck = (q: Queryable, data: Uint8Array, signature: string) => Promise<boolean>;

/** Signs and stores tree heads. */
export class TreeHeads {
  constructor(
    private readonly db: Database,
    private readonly signer: HeadSigner,
  ) {}

  latest(q: Queryable = this.db): Promise<SignedTreeHead | null> {
    return new AuditReader(q).latestHead();
  }

  /**
   * The signed head of the log as it is now, signing and storing a new one only if the log grew since the last.
   * Inside a transaction that appended (`q`), the head covers those appends and commits with them.
   */
  async current(q: Queryable = this.db): Promise<SignedTreeHead> {
    if (q === this.db) await this.signer.ready();
    const reader = new AuditReader(q);
    const head = await reader.head();
    const latest = await reader.latestHead();
    if (latest !== null && latest.tree_size === head.size) return latest;
    const fields = { root_hash: head.root.toString('hex'), timestamp: new Date().toISOString(), tree_size: head.size };
    const signedData = treeHeadSignedData(fields);
    const { signature, fingerprint } = await this.signer.sign(Buffer.from(signedData, 'utf8'), q);
    const rows = await q.query<Parameters<typeof headFromRow>[0]>(
      `INSERT INTO audit_tree_heads (tree_size, root_hash, timestamp, signed_data, signature, key_fingerprint) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tree_size) DO NOTHING RETURNING *`,
      [fields.tree_size, fields.root_hash, fields.timestamp, signedData, signature, fingerprint],
    );
    // Another instance signed this size a moment earlier: theirs is the record.
    return rows[0] === undefined ? (await reader.latestHead())! : headFromRow(rows[0]);
  }

  /** A signed head that includes leaf `index`: the latest stored one if it does, else a fresh one. */
  async covering(index: number): Promise<SignedTreeHead> {
    const latest = await this.latest();
    return latest !== null && latest.tree_size > index ? latest : this.current();
  }
}

/**
 * Every stored head (of more than `afterTreeSize` leaves) must be signed by a platform key over its own fields and
 * match the tree recomputed at its size.
 */
export async function verifyTreeHeads(
  q: Queryable,
  signedByPlatformKey: HeadSignatureCheck,
  afterTreeSize = 0,
): Promise<{ tree_size: number; problem: string }[]> {
  const problems: { tree_size: number; problem: string }[] = [];
  const reader = new AuditReader(q);
  for (const head of await reader.headsAfter(afterTreeSize)) {
    if (treeHeadSignedData(head) !== head.signed_data)
      problems.push({ tree_size: head.tree_size, problem: 'signed data does not match the head fields' });
    else if (!(await signedByPlatformKey(q, Buffer.from(head.signed_data, 'utf8'), head.signature)))
      problems.push({ tree_size: head.tree_size, problem: 'signature does not verify with any platform key' });
    else if ((await reader.root(head.tree_size)).toString('hex') !== head.root_hash)
      problems.push({
        tree_size: head.tree_size,
        problem: 'root differs from the tree at this size: the log was rewritten',
      });
  }
  return problems;
}
