import { randomUUID } from 'node:crypto';
import type { Constraint, PrincipleContent } from '../../domain/constitution/types.js';
import { NotFoundError } from '../../domain/errors.js';
import type { Attempt } from '../../domain/synthesis/repair-loop.js';
import type { Database } from '../../platform/db/database.js';
import type { ConstraintExamples } from './draft-examples.js';

export interface SpecificationDraft {
  id: string;
  amendment_id: string | null;
  principle_key: string;
  text: string;
  scope: PrincipleContent['scope'];
  status: 'drafted' | 'failed';
  reason: string | null;
  constraints: Constraint[] | null;
  examples: ConstraintExamples[] | null;
  /** The change to propose so the council votes on these constraints; null when drafting failed. */
  amendment_change: Record<string, unknown> | null;
  attempts: Pick<
    Attempt,
    'attempt' | 'model' | 'promptTokens' | 'completionTokens' | 'latencyMs' | 'output' | 'diagnostics' | 'verdict'
  >[];
  created_by: string | null;
  created_at: string;
}

type Row = Omit<SpecificationDraft, 'created_at'> & { created_at: Date };
const toDraft = (row: Row): SpecificationDraft => ({ ...row, created_at: row.created_at.toISOString() });

/** Drafted constraints, kept with every attempt, for the council to read beside the amendment they belong to. */
export class SpecificationStore {
  constructor(private readonly db: Database) {}

  async create(draft: Omit<SpecificationDraft, 'id' | 'created_at'>): Promise<SpecificationDraft> {
    const rows = await this.db.query<Row>(
      `INSERT INTO specification_drafts (id, amendment_id, principle_key, text, scope, status, reason, constraints, examples, attempts, created_by,
                                         amendment_change)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
      [
        randomUUID(),
        draft.amendment_id,
        draft.principle_key,
        draft.text,
        JSON.stringify(draft.scope),
        draft.status,
        draft.reason,
        draft.constraints === null ? null : JSON.stringify(draft.constraints),
        draft.examples === null ? null : JSON.stringify(draft.examples),
        JSON.stringify(draft.attempts),
        draft.created_by,
        draft.amendment_change === null ? null : JSON.stringify(draft.amendment_change),
      ],
    );
    return toDraft(rows[0]!);
  }

  async get(id: string): Promise<SpecificationDraft> {
    const row = (await this.db.query<Row>('SELECT * FROM specification_drafts WHERE id = $1', [id]))[0];
    if (row === undefined) throw new NotFoundError('No specification draft with this id', 'SPECIFICATION_NOT_FOUND');
    return toDraft(row);
  }

  async list(amendmentId: string | null, limit: number): Promise<SpecificationDraft[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM specification_drafts WHERE ($1::uuid IS NULL OR amendment_id = $1)
        ORDER BY created_at DESC, id DESC LIMIT $2`,
      [amendmentId, limit],
    );
    return rows.map(toDraft);
  }
}
