import type { Database } from '../../platform/db/database.js';

/** An instance not seen for this long has stopped: it no longer counts as one that must acknowledge. */
const LIVE_WITHIN_SECONDS = 15;
const POLL_MS = 50;

export interface Acknowledgement {
  instance: string;
  bundle_version: number;
  enforcing_since: string | null;
}

/**
 * Which bundle each live enforcement instance decides with, and since when. PGC records the moment it swaps engines
 * and renews its row on every bundle check; an activation reads them to say when enforcement began with its bundle.
 */
export class BundleAcknowledgements {
  constructor(private readonly db: Database) {}

  /** This instance decides with `version` since `since` (or still does: the row is renewed). */
  async record(instance: string, version: number, since: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO bundle_acknowledgements (instance, bundle_version, enforcing_since, seen_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (instance) DO UPDATE SET seen_at = now(),
         enforcing_since = CASE WHEN bundle_acknowledgements.bundle_version = EXCLUDED.bundle_version
                                THEN bundle_acknowledgements.enforcing_since ELSE EXCLUDED.enforcing_since END,
         bundle_version = EXCLUDED.bundle_version`,
      [instance, version, since],
    );
  }

  async forget(instance: string): Promise<void> {
    await this.db.query('DELETE FROM bundle_acknowledgements WHERE instance = $1', [instance]);
  }

  /** The live instances, each with when it began deciding with `version` (null: not yet). */
  async live(version: number): Promise<Acknowledgement[]> {
    const rows = await this.db.query<{ instance: string; bundle_version: number; enforcing_since: Date }>(
      `SELECT instance, bundle_version, enforcing_since FROM bundle_acknowledgements
        WHERE seen_at > now() - make_interval(secs => $1) ORDER BY instance`,
      [LIVE_WITHIN_SECONDS],
    );
    return rows.map((row) => ({
      instance: row.instance,
      bundle_version: row.bundle_version,
      enforcing_since: row.bundle_version >= version ? row.enforcing_since.toISOString() : null,
    }));
  }

  /** Waits up to `ms` for every live instance to decide with `version` (or a newer one); says where they stand. */
  async waitFor(version: number, ms: number): Promise<{ acknowledged: boolean; instances: Acknowledgement[] }> {
    const deadline = Date.now() + ms;
    for (;;) {
      const instances = await this.live(version);
      const acknowledged = instances.length > 0 && instances.every((instance) => instance.enforcing_since !== null);
      if (acknowledged || Date.now() >= deadline) return { acknowledged, instances };
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
