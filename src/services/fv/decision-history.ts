import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import { withContextDefaults, type Reason } from '../../domain/enforcement/decide.js';
import type { EntityRef } from '../../domain/enforcement/engine.js';
import type { Database } from '../../platform/db/database.js';

export interface RecordedDecision {
  id: string;
  principal: EntityRef;
  action: string;
  resource: EntityRef;
  /** The context Cedar saw, detector values included: what a replay must use. */
  context: Record<string, CedarValueJson>;
  decision: 'allow' | 'deny';
  reasons: Reason[];
}

/** The decision log as the empirical change impact reads it: newest first, from a time on, at most `limit`. */
export class DecisionHistory {
  constructor(private readonly db: Database) {}

  async recent(since: string | null, limit: number): Promise<RecordedDecision[]> {
    const rows = await this.db.query<RecordedDecision>(
      `SELECT id, principal, action, resource, context, decision, reasons FROM decisions
        WHERE ($1::timestamptz IS NULL OR created_at >= $1) ORDER BY created_at DESC, id DESC LIMIT $2`,
      [since, limit],
    );
    // Attributes added to the schema after a decision was logged were, for that decision, their defaults.
    return rows.map((row) => ({ ...row, context: withContextDefaults(row.context) }));
  }
}
