import { CHANNELS } from '../../domain/notifications.js';
import type { SignedBundle, Bundle } from '../../domain/policy/bundle.js';
import type { Database, Queryable } from '../../platform/db/database.js';

interface BundleRow {
  version: number;
  hash: string;
  bundle: Bundle;
  signature: string;
  key_id: string;
}

const toSigned = (row: BundleRow): SignedBundle => ({
  bundle: row.bundle,
  hash: row.hash,
  signature: row.signature,
  key_id: row.key_id,
});

export class BundleStore {
  constructor(private readonly db: Database) {}

  active(): Promise<SignedBundle | null> {
    return BundleStore.activeIn(this.db);
  }

  /** The active bundle's version, hash and the constitution it names, without its policies (a cheap poll). */
  static async activeSummaryIn(
    q: Queryable,
  ): Promise<{ version: number; hash: string; constitution_hash: string } | null> {
    const rows = await q.query<{ version: number; hash: string; constitution_hash: string }>(
      `SELECT version, hash, bundle->>'constitution_hash' AS constitution_hash FROM policy_bundles WHERE active`,
    );
    return rows[0] ?? null;
  }

  /** The active bundle, read through any connection (a transaction, or the doctor's own). */
  static async activeIn(q: Queryable): Promise<SignedBundle | null> {
    const rows = await q.query<BundleRow>(
      'SELECT version, hash, bundle, signature, key_id FROM policy_bundles WHERE active',
    );
    return rows[0] === undefined ? null : toSigned(rows[0]);
  }

  async version(version: number): Promise<SignedBundle | null> {
    const rows = await this.db.query<BundleRow>(
      'SELECT version, hash, bundle, signature, key_id FROM policy_bundles WHERE version = $1',
      [version],
    );
    return rows[0] === undefined ? null : toSigned(rows[0]);
  }

  /** Version of the active bundle (0: none), without reading the bundle itself. */
  async activeVersion(): Promise<number> {
    const rows = await this.db.query<{ version: number }>('SELECT version FROM policy_bundles WHERE active');
    return rows[0]?.version ?? 0;
  }

  async latestVersion(q: Queryable = this.db): Promise<number> {
    const rows = await q.query<{ v: number | null }>('SELECT max(version) AS v FROM policy_bundles');
    return rows[0]?.v ?? 0;
  }

  /** Stores a signed bundle as the only active one and announces it on commit. */
  activate(signed: SignedBundle, actorId: string | null, audit: (tx: Queryable) => Promise<void>): Promise<void> {
    return this.db.transaction((tx) => this.activateIn(tx, signed, actorId, audit));
  }

  /** As activate(), inside the caller's transaction (so a policy's activation and its bundle commit together). */
  async activateIn(
    tx: Queryable,
    signed: SignedBundle,
    actorId: string | null,
    audit: (tx: Queryable) => Promise<void>,
  ): Promise<void> {
    await tx.query('UPDATE policy_bundles SET active = false WHERE active');
    await tx.query(
      'INSERT INTO policy_bundles (version, hash, bundle, signature, key_id, active, created_by) VALUES ($1, $2, $3, $4, $5, true, $6)',
      [signed.bundle.version, signed.hash, JSON.stringify(signed.bundle), signed.signature, signed.key_id, actorId],
    );
    await audit(tx);
    await tx.query('SELECT pg_notify($1, $2)', [
      CHANNELS.bundleActivated,
      JSON.stringify({ version: signed.bundle.version, hash: signed.hash }),
    ]);
  }
}
