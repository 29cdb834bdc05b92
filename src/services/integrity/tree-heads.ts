import { rootHash } from '../../domain/audit/merkle.js';
import { treeHeadSignedData, type SignedTreeHead } from '../../domain/audit/tree-head.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { ValidationError } from '../../domain/errors.js';
import { databaseSubtreeReader, treeHead } from './audit-tree.js';
import { verifyWithPlatformKeys, type SigningKeys } from './signing-keys.js';

export type { SignedTreeHead };

interface HeadRow {
  tree_size: number;
  root_hash: string;
  timestamp: Date;
  signed_data: string;
  signature: string;
  key_fingerprint: string;
}

const toHead = (row: HeadRow): SignedTreeHead => ({
  ...row,
  tree_size: Number(row.tree_size),
  timestamp: row.timestamp.toISOString(),
});

/** Signs and stores tree heads. */
export class TreeHeads {
  constructor(
    private readonly db: Database,
    private readonly keys: SigningKeys,
  ) {}

  async latest(q: Queryable = this.db): Promise<SignedTreeHead | null> {
    const row = (await q.query<HeadRow>('SELECT * FROM audit_tree_heads ORDER BY tree_size DESC LIMIT 1'))[0];
    return row === undefined ? null : toHead(row);
  }

  /**
   * The signed head of the log as it is now, signing and storing a new one only if the log grew since the last.
   * Inside a transaction that appended (`q`), the head covers those appends and commits with them.
   */
  async current(q: Queryable = this.db): Promise<SignedTreeHead> {
    // Creating the first key is itself an audit event: let it land before the head is taken.
    if (q === this.db) await this.keys.active();
    const head = await treeHead(q);
    const latest = await this.latest(q);
    if (latest !== null && latest.tree_size === head.size) return latest;
    const fields = { root_hash: head.root.toString('hex'), timestamp: new Date().toISOString(), tree_size: head.size };
    const signedData = treeHeadSignedData(fields);
    const { signature, fingerprint } = await this.keys.sign(Buffer.from(signedData, 'utf8'), q);
    const rows = await q.query<HeadRow>(
      `INSERT INTO audit_tree_heads (tree_size, root_hash, timestamp, signed_data, signature, key_fingerprint) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tree_size) DO NOTHING RETURNING *`,
      [fields.tree_size, fields.root_hash, fields.timestamp, signedData, signature, fingerprint],
    );
    // Another instance signed this size a moment earlier: theirs is the record.
    return rows[0] === undefined ? (await this.latest(q))! : toHead(rows[0]);
  }

  /** A signed head that includes leaf `index`: the latest stored one if it does, else a fresh one. */
  async covering(index: number): Promise<SignedTreeHead> {
    const latest = await this.latest();
    return latest !== null && latest.tree_size > index ? latest : this.current();
  }
}

async function signatureValid(db: Queryable, head: SignedTreeHead): Promise<boolean> {
  try {
    return (await verifyWithPlatformKeys(db, Buffer.from(head.signed_data, 'utf8'), head.signature)).valid;
  } catch (error) {
    // A stored signature that no longer parses was tampered with; that is a finding, not a crash.
    if (error instanceof ValidationError) return false;
    throw error;
  }
}

/**
 * Every stored head (of more than `afterTreeSize` leaves) must be signed by a platform key over its own fields and
 * match the tree recomputed at its size.
 */
export async function verifyTreeHeads(
  db: Queryable,
  afterTreeSize = 0,
): Promise<{ tree_size: number; problem: string }[]> {
  const problems: { tree_size: number; problem: string }[] = [];
  const reader = databaseSubtreeReader(db);
  const rows = await db.query<HeadRow>('SELECT * FROM audit_tree_heads WHERE tree_size > $1 ORDER BY tree_size', [
    afterTreeSize,
  ]);
  for (const row of rows.map(toHead)) {
    if (treeHeadSignedData(row) !== row.signed_data)
      problems.push({ tree_size: row.tree_size, problem: 'signed data does not match the head fields' });
    else if (!(await signatureValid(db, row)))
      problems.push({ tree_size: row.tree_size, problem: 'signature does not verify with any platform key' });
    else if ((await rootHash(reader, row.tree_size)).toString('hex') !== row.root_hash)
      problems.push({
        tree_size: row.tree_size,
        problem: 'root differs from the tree at this size: the log was rewritten',
      });
  }
  return problems;
}
