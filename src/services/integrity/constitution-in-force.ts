import type { PrincipleContent } from '../../domain/constitution/types.js';
import type { Queryable } from '../../platform/db/database.js';

/** The constitution version in force, as a bundle names it (hash) and as verification reads it (principles). */
export async function constitutionInForce(
  q: Queryable,
): Promise<{ version: number; hash: string; principles: PrincipleContent[] } | null> {
  const row = (
    await q.query<{ version: number; hash: string; document: { principles: PrincipleContent[] } }>(
      'SELECT version, hash, document FROM constitution_versions ORDER BY version DESC LIMIT 1',
    )
  )[0];
  return row === undefined ? null : { version: row.version, hash: row.hash, principles: row.document.principles };
}

/** Which constitution version is in force, without its document (a cheap poll). */
export async function constitutionRefInForce(q: Queryable): Promise<{ version: number; hash: string } | null> {
  const rows = await q.query<{ version: number; hash: string }>(
    'SELECT version, hash FROM constitution_versions ORDER BY version DESC LIMIT 1',
  );
  return rows[0] ?? null;
}
