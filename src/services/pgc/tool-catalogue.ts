import { LRUCache } from 'lru-cache';
import {
  toolAttributes,
  type CatalogueTool,
  type ToolAnnotations,
  type ToolAttributes,
} from '../../domain/tools/catalogue.js';
import { NotFoundError } from '../../domain/errors.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { isoOrNull } from '../../platform/http/iso-time.js';

/** A catalogue entry as the API shows it: what was discovered, what was set, and the attributes Cedar sees. */
export interface ToolEntry extends CatalogueTool {
  server: string | null;
  name: string;
  title: string | null;
  description: string;
  input_schema: Record<string, unknown>;
  /** Where risk and classification come from: the admin's setting, else the annotations. */
  risk_source: 'admin' | 'annotations';
  effective: ToolAttributes;
  updated_by: string | null;
  discovered_at: string | null;
  created_at: string;
  updated_at: string;
}

interface ToolRow {
  id: string;
  server: string | null;
  name: string;
  title: string | null;
  description: string;
  input_schema: Record<string, unknown>;
  annotations: ToolAnnotations;
  risk: number | null;
  data_classification: string | null;
  updated_by: string | null;
  discovered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const toEntry = (row: ToolRow): ToolEntry => ({
  ...row,
  risk: row.risk === null ? null : Number(row.risk),
  risk_source: row.risk === null && row.data_classification === null ? 'annotations' : 'admin',
  effective: toolAttributes({ ...row, risk: row.risk === null ? null : Number(row.risk) }),
  discovered_at: isoOrNull(row.discovered_at),
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

/** A tool as an upstream server's tools/list describes it. */
export interface DiscoveredTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  annotations?: ToolAnnotations;
}

export interface ToolSetting {
  risk: number | null;
  data_classification: string | null;
  /** Set for a tool no server lists (one an SDK wraps); discovery owns them for upstream tools. */
  annotations?: ToolAnnotations;
  description?: string;
}

/**
 * The tool catalogue's queries. Lookups on the enforcement path are cached for `ttlSeconds`: an admin's change
 * reaches other instances within that time, this one at once.
 */
export class ToolCatalogue {
  private readonly cache: LRUCache<string, { tool: CatalogueTool | null }>;

  constructor(
    private readonly db: Database,
    ttlSeconds: number,
  ) {
    this.cache = new LRUCache({ max: 10_000, ttl: Math.max(1, ttlSeconds) * 1000 });
  }

  /** The catalogued tool Cedar's `Tool::"<id>"` names, or null. */
  async lookup(id: string): Promise<CatalogueTool | null> {
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached.tool;
    const row = (await this.db.query<ToolRow>('SELECT * FROM tools WHERE id = $1', [id]))[0];
    const tool = row === undefined ? null : toEntry(row);
    this.cache.set(id, { tool });
    return tool;
  }

  async get(id: string): Promise<ToolEntry> {
    const row = (await this.db.query<ToolRow>('SELECT * FROM tools WHERE id = $1', [id]))[0];
    if (row === undefined) throw new NotFoundError('No tool with this id in the catalogue', 'TOOL_NOT_FOUND');
    return toEntry(row);
  }

  async list(server: string | undefined): Promise<ToolEntry[]> {
    const rows = await this.db.query<ToolRow>(
      'SELECT * FROM tools WHERE ($1::text IS NULL OR server = $1) ORDER BY id',
      [server ?? null],
    );
    return rows.map(toEntry);
  }

  /** Records what a server's tools/list said; an admin's risk and classification are kept. */
  async recordDiscovered(server: string, tools: readonly DiscoveredTool[], q: Queryable = this.db): Promise<void> {
    for (const tool of tools) {
      const id = `${server}.${tool.name}`;
      await q.query(
        `INSERT INTO tools (id, server, name, title, description, input_schema, annotations, discovered_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, now())
         ON CONFLICT (id) DO UPDATE SET server = EXCLUDED.server, name = EXCLUDED.name, title = EXCLUDED.title,
           description = EXCLUDED.description, input_schema = EXCLUDED.input_schema,
           annotations = EXCLUDED.annotations, discovered_at = now(),
           updated_at = CASE WHEN tools.annotations = EXCLUDED.annotations AND tools.input_schema = EXCLUDED.input_schema
             THEN tools.updated_at ELSE date_trunc('milliseconds', now()) END`,
        [
          id,
          server,
          tool.name,
          tool.title ?? tool.annotations?.title ?? null,
          tool.description ?? '',
          JSON.stringify(tool.inputSchema),
          JSON.stringify(tool.annotations ?? {}),
        ],
      );
      this.cache.delete(id);
    }
  }

  /** An admin's setting for one tool; creates the entry for a tool no server lists. */
  async set(id: string, setting: ToolSetting, actorId: string, q: Queryable = this.db): Promise<ToolEntry> {
    const name = id.slice(id.indexOf('.') + 1);
    const row = (
      await q.query<ToolRow>(
        `INSERT INTO tools (id, name, description, annotations, risk, data_classification, updated_by)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET risk = EXCLUDED.risk, data_classification = EXCLUDED.data_classification,
           updated_by = EXCLUDED.updated_by, updated_at = date_trunc('milliseconds', now()),
           annotations = CASE WHEN tools.server IS NULL AND $8 THEN EXCLUDED.annotations ELSE tools.annotations END,
           description = CASE WHEN tools.server IS NULL AND $9 THEN EXCLUDED.description ELSE tools.description END
         RETURNING *`,
        [
          id,
          name,
          setting.description ?? '',
          JSON.stringify(setting.annotations ?? {}),
          setting.risk,
          setting.data_classification,
          actorId,
          setting.annotations !== undefined,
          setting.description !== undefined,
        ],
      )
    )[0]!;
    this.cache.delete(id);
    return toEntry(row);
  }
}
