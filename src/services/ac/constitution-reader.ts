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

type DocumentRow = RefRow & { document: { principles: PrincipleContent[] } };
type WithPrinciples = ConstitutionRef & { principles: PrincipleContent[] };

const withPrinciples = ([row]: DocumentRow[]): WithPrinciples | null =>
  row === undefined ? null : { ...ref(row), principles: row.document.principles };

/** The constitution versions ac owns, as the other services may read them. */
export const constitutionReader = {
  async inForce(q: Queryable): Promise<WithPrinciples | null> {
    return withPrinciples(
      await q.query<DocumentRow>(
        'SELECT version, hash, enacted_at, document FROM constitution_versions ORDER BY version DESC LIMIT 1',
      ),
    );
  },

  async withPrinciples(q: Queryable, which: { version: number } | { hash: string }): Promise<WithPrinciples | null> {
    const [column, value] = 'version' in which ? ['version', which.version] : ['hash', which.hash];
    return withPrinciples(
      await q.query<DocumentRow>(
        `SELECT version, hash, enacted_at, document FROM constitution_versions WHERE ${column} = $1`,
        [value],
      ),
    );
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
