import type { TemplateParameters } from '../../domain/policy/templates.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import type { AuditLog } from '../../platform/audit/log.js';
import { PolicyStore } from '../integrity/policy-store.js';

export interface PolicyTemplate {
  id: string;
  version: number;
  name: string;
  description: string;
  source: string;
  parameters: TemplateParameters;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  /** The policies linked from this template, with the slot values each was linked with. */
  links: { policy_id: string; template_version: number; slot_values: Record<string, unknown>; created_at: string }[];
}

type Row = Omit<PolicyTemplate, 'created_at' | 'updated_at' | 'links'> & {
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
};
type LinkRow = Omit<PolicyTemplate['links'][number], 'created_at'> & { template_id: string; created_at: Date };

/** The template library: versioned templates (an edit is version + 1), soft-deleted, and the policies linked from them. */
export class TemplateStore {
  constructor(
    private readonly db: Database,
    private readonly auditLog: AuditLog,
  ) {}

  private async withLinks(rows: Row[], q: Queryable = this.db): Promise<PolicyTemplate[]> {
    const links = await q.query<LinkRow>(
      'SELECT * FROM policy_template_links WHERE template_id = ANY($1::text[]) ORDER BY created_at, policy_id',
      [rows.map((row) => row.id)],
    );
    return rows.map(({ deleted_at: _deleted, ...row }) => ({
      ...row,
      version: Number(row.version),
      created_at: row.created_at.toISOString(),
      updated_at: row.updated_at.toISOString(),
      links: links
        .filter((link) => link.template_id === row.id)
        .map(({ policy_id, template_version, slot_values, created_at }) => ({
          policy_id,
          template_version: Number(template_version),
          slot_values,
          created_at: created_at.toISOString(),
        })),
    }));
  }

  async list(limit: number, afterId: string | null): Promise<PolicyTemplate[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM policy_templates WHERE deleted_at IS NULL AND ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return this.withLinks(rows);
  }

  async get(id: string, q: Queryable = this.db): Promise<PolicyTemplate> {
    const rows = await q.query<Row>('SELECT * FROM policy_templates WHERE id = $1 AND deleted_at IS NULL', [id]);
    if (rows[0] === undefined) throw new NotFoundError(`no policy template "${id}"`, 'TEMPLATE_NOT_FOUND');
    return (await this.withLinks(rows, q))[0]!;
  }

  async create(
    template: Pick<PolicyTemplate, 'id' | 'name' | 'description' | 'source' | 'parameters'>,
    createdBy: string | null,
  ): Promise<PolicyTemplate> {
    return this.db.transaction(async (tx) => {
      const existing = await tx.query('SELECT 1 FROM policy_templates WHERE id = $1 FOR UPDATE', [template.id]);
      if (existing.length > 0)
        throw new ConflictError(`a template "${template.id}" exists (deleted ids are not reused)`, 'TEMPLATE_EXISTS');
      await tx.query(
        `INSERT INTO policy_templates (id, version, name, description, source, parameters, created_by)
         VALUES ($1, 1, $2, $3, $4, $5, $6)`,
        [
          template.id,
          template.name,
          template.description,
          template.source,
          JSON.stringify(template.parameters),
          createdBy,
        ],
      );
      await this.audit(tx, createdBy, 'template.created', template.id, 1);
      return this.get(template.id, tx);
    });
  }

  async update(
    id: string,
    template: Pick<PolicyTemplate, 'name' | 'description' | 'source' | 'parameters'>,
    actorId: string | null,
  ): Promise<PolicyTemplate> {
    return this.db.transaction(async (tx) => {
      const current = await this.get(id, tx);
      await tx.query(
        `UPDATE policy_templates SET version = version + 1, name = $2, description = $3, source = $4, parameters = $5,
                updated_at = now() WHERE id = $1`,
        [id, template.name, template.description, template.source, JSON.stringify(template.parameters)],
      );
      await this.audit(tx, actorId, 'template.updated', id, current.version + 1);
      return this.get(id, tx);
    });
  }

  /** Deletes a template no linked policy still depends on (in force or on its way there). */
  async remove(id: string, actorId: string | null): Promise<void> {
    await this.db.transaction(async (tx) => {
      const current = await this.get(id, tx);
      const linked = await tx.query<{ policy_id: string }>(
        'SELECT DISTINCT policy_id FROM policy_template_links WHERE template_id = $1',
        [id],
      );
      const live = await PolicyStore.liveAmong(
        tx,
        linked.map((row) => row.policy_id),
      );
      if (live.length > 0)
        throw new ConflictError(`policies linked from "${id}" are still live: ${live.join(', ')}`, 'TEMPLATE_IN_USE');
      await tx.query('UPDATE policy_templates SET deleted_at = now() WHERE id = $1', [id]);
      await this.audit(tx, actorId, 'template.deleted', id, current.version);
    });
  }

  async recordLink(
    link: { policyId: string; templateId: string; templateVersion: number; values: Record<string, unknown> },
    actorId: string | null,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO policy_template_links (policy_id, template_id, template_version, slot_values, created_by)
       VALUES ($1, $2, $3, $4, $5)`,
      [link.policyId, link.templateId, link.templateVersion, JSON.stringify(link.values), actorId],
    );
  }

  private async audit(q: Queryable, userId: string | null, action: string, id: string, version: number) {
    await this.auditLog.record({ userId, action, resource: `template:${id}`, details: { version } }, q);
  }
}
