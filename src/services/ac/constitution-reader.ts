import type { PrincipleContent } from '../../domain/constitution/types.js';
import type { Queryable } from '../../platform/db/database.js';

// The shapes integrity's ports ask for (services/integrity/ports.ts): ac may not import integrity, so they are
// matched where the composition hands this reader over (services/catalog.ts), not named here.
export interface ConstitutionRef {
  version: number;
  hash: string;
  enacted_at: string;
}

interface RefRow {
  version: number;
  hash: string;
  enacted_at: Date;
}

const ref = (row: RefRow): ConstitutionRef => ({
  version: row.version,
  hash: row.hash,
  enacted_at: row.enacted_at.toISOString(),
});

/** The constitution versions ac owns, as the other services may read them. */
export const constitutionReader = {
  async inForce(q: Queryable): Promise<(ConstitutionRef & { principles: PrincipleContent[] }) | null> {
    const row = (
      await q.query<RefRow & { document: { principles: PrincipleContent[] } }>(
        'SELECT version, hash, enacted_at, document FROM constitution_versions ORDER BY version DESC LIMIT 1',
      )
    )[0];
    return row === undefined ? null : { ...ref(row), principles: row.document.principles };
  },

  async refInForce(q: Queryable): Promise<ConstitutionRef | null> {
    const row = (
      await q.query<RefRow>('SELECT version, hash, enacted_at FROM constitution_versions ORDER BY version DESC LIMIT 1')
    )[0];
    return row === undefined ? null : ref(row);
  },

  async versionWithHash(q: Queryable, hash: string): Promise<number | null> {
    const rows = await q.query<{ version: number }>('SELECT version FROM constitution_versions WHERE hash = $1', [
      hash,
    ]);
    return rows[0]?.version ?? null;
  },
};
