import { withContextDefaults } from '../../../domain/enforcement/decide.js';
import type { Queryable } from '../../../platform/db/database.js';
import type { DecisionFacts, DecisionReader, RecordedDecision } from '../../integrity/ports.js';

/** The decision log pgc owns, as the other services may read it. */
export const decisionReader: DecisionReader = {
  async recent(q: Queryable, since: string | null, limit: number): Promise<RecordedDecision[]> {
    const rows = await q.query<RecordedDecision>(
      `SELECT id, principal, action, resource, context, decision, reasons FROM decisions
        WHERE ($1::timestamptz IS NULL OR created_at >= $1) ORDER BY created_at DESC, id DESC LIMIT $2`,
      [since, limit],
    );
    // Attributes added to the schema after a decision was logged were, for that decision, their defaults.
    return rows.map((row) => ({ ...row, context: withContextDefaults(row.context) }));
  },

  async facts(q: Queryable, id: string): Promise<DecisionFacts | null> {
    const rows = await q.query<DecisionFacts>('SELECT caller_id, reasons, bundle_hash FROM decisions WHERE id = $1', [
      id,
    ]);
    return rows[0] ?? null;
  },
};
