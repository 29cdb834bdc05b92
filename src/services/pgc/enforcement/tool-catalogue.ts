import { LRUCache } from 'lru-cache';
import {
  toolAttributes,
  type CatalogueTool,
  type ToolAnnotations,
  type ToolAttributes,
} from '../../../domain/tools/catalogue.js';
import { definitionDigest, definitionInjectionScore, type ToolDefinition } from '../../../domain/tools/definition.js';
import { ConflictError, NotFoundError } from '../../../domain/errors.js';
import type { Database, Queryable } from '../../../platform/db/database.js';
import { isoOrNull } from '../../../platform/http/iso-time.js';

/** A catalogue entry as the API shows it: what was discovered, what was set, and the attributes Cedar sees. */
export interface ToolEntry extends CatalogueTool {
  server: string | null;
  name: string;
  title: string | null;
  description: string;
  input_schema: Record<string, unknown>;
  output_schema: Record<string, unknown> | null;
  /** Where risk and classification come from: the admin's setting, else the annotations. */
  risk_source: 'admin' | 'annotations';
  effective: ToolAttributes;
  definition: DefinitionState;
  updated_by: string | null;
  discovered_at: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Where a tool's definition stands: `pinned` (served and decided as catalogued), `changed` (the upstream now gives
 * another definition: hidden and refused until an admin approves `pending`), `unpinned` (a tool no server lists).
 */
export interface DefinitionState {
  status: 'pinned' | 'changed' | 'unpinned';
  digest: string | null;
  pending: ToolDefinition | null;
  pending_digest: string | null;
  changed_at: string | null;
  approved_by: string | null;
  approved_at: string | null;
}

interface ToolRow {
  id: string;
  server: string | null;
  name: string;
  title: string | null;
  description: string;
  input_schema: Record<string, unknown>;
  output_schema: Record<string, unknown> | null;
  annotations: ToolAnnotations;
  risk: number | null;
  data_classification: string | null;
  injection_score: number;
  definition_digest: string | null;
  pending_definition: ToolDefinition | null;
  pending_digest: string | null;
  definition_changed_at: Date | null;
  definition_approved_by: string | null;
  definition_approved_at: Date | null;
  updated_by: string | null;
  discovered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function toEntry(row: ToolRow): ToolEntry {
  const {
    definition_digest: digest,
    pending_definition: pending,
    pending_digest: pendingDigest,
    definition_changed_at: changedAt,
    definition_approved_by: approvedBy,
    definition_approved_at: approvedAt,
    ...rest
  } = row;
  const risk = row.risk === null ? null : Number(row.risk);
  const injectionScore = Number(row.injection_score);
  return {
    ...rest,
    risk,
    injection_score: injectionScore,
    risk_source: row.risk === null && row.data_classification === null ? 'annotations' : 'admin',
    effective: toolAttributes({ ...row, risk, injection_score: injectionScore }),
    definition: {
      status: pending !== null ? 'changed' : digest === null ? 'unpinned' : 'pinned',
      digest,
      pending,
      pending_digest: pendingDigest,
      changed_at: isoOrNull(changedAt),
      approved_by: approvedBy,
      approved_at: isoOrNull(approvedAt),
    },
    discovered_at: isoOrNull(row.discovered_at),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** What discovery did with one tool's definition. */
export type DiscoveryChange = 'catalogued' | 'unchanged' | 'changed' | 'still_changed' | 'restored';

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
  private readonly cache: LRUCache<string, { tool: ToolEntry | null }>;

  constructor(
    private readonly db: Database,
    ttlSeconds: number,
  ) {
    this.cache = new LRUCache({ max: 10_000, ttl: Math.max(1, ttlSeconds) * 1000 });
  }

  /** The catalogued tool Cedar's `Tool::"<id>"` names, or null. */
  async lookup(id: string): Promise<ToolEntry | null> {
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached.tool;
    const row = (await this.db.query<ToolRow>('SELECT * FROM tools WHERE id = $1', [id]))[0];
    const tool = row === undefined ? null : toEntry(row);
    this.cache.set(id, { tool });
    return tool;
  }

  async get(id: string, q: Queryable = this.db): Promise<ToolEntry> {
    const row = (await q.query<ToolRow>('SELECT * FROM tools WHERE id = $1', [id]))[0];
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

  /**
   * Records what a server's tools/list said. A tool seen for the first time is catalogued with its definition pinned;
   * a pinned tool whose definition is now different keeps its pinned definition and waits, its new one in
   * `pending_definition`, for an admin. An admin's risk and classification are always kept.
   */
  async recordDiscovered(
    server: string,
    tools: readonly ToolDefinition[],
    q: Queryable = this.db,
  ): Promise<Map<string, DiscoveryChange>> {
    const changes = new Map<string, DiscoveryChange>();
    for (const tool of tools) {
      const id = `${server}.${tool.name}`;
      const digest = definitionDigest(tool);
      const known = (
        await q.query<{ definition_digest: string | null; pending_digest: string | null }>(
          'SELECT definition_digest, pending_digest FROM tools WHERE id = $1',
          [id],
        )
      )[0];
      let change: DiscoveryChange;
      if (known === undefined || known.definition_digest === null) {
        await this.pin(id, server, tool, digest, null, q);
        change = 'catalogued';
      } else if (known.definition_digest === digest) {
        await q.query(
          `UPDATE tools SET discovered_at = now(), pending_definition = NULL, pending_digest = NULL,
             definition_changed_at = NULL WHERE id = $1`,
          [id],
        );
        change = known.pending_digest === null ? 'unchanged' : 'restored';
      } else {
        await q.query(
          `UPDATE tools SET discovered_at = now(), pending_definition = $2::jsonb, pending_digest = $3,
             definition_changed_at = CASE WHEN pending_digest = $3 THEN definition_changed_at ELSE now() END
           WHERE id = $1`,
          [id, JSON.stringify(tool), digest],
        );
        change = known.pending_digest === digest ? 'still_changed' : 'changed';
      }
      changes.set(tool.name, change);
      this.cache.delete(id);
    }
    return changes;
  }

  /**
   * An admin approves the definition a tool changed to: it becomes the pinned one. `digest` is the pending digest the
   * admin reviewed; if the upstream changed again meanwhile, nothing is approved (409).
   */
  async approveDefinition(id: string, digest: string, actorId: string, q: Queryable = this.db): Promise<ToolEntry> {
    const row = (await q.query<ToolRow>('SELECT * FROM tools WHERE id = $1 FOR UPDATE', [id]))[0];
    if (row === undefined) throw new NotFoundError('No tool with this id in the catalogue', 'TOOL_NOT_FOUND');
    if (row.pending_definition === null || row.pending_digest === null)
      throw new ConflictError(
        'This tool has no changed definition waiting for approval',
        'TOOL_DEFINITION_NOT_PENDING',
      );
    if (row.pending_digest !== digest)
      throw new ConflictError(
        `The pending definition is ${row.pending_digest}, not ${digest}: review the current one and approve that`,
        'TOOL_DEFINITION_MOVED',
      );
    await this.pin(id, row.server!, row.pending_definition, digest, actorId, q);
    return this.get(id, q);
  }

  /** Makes `definition` the tool's pinned one: what it serves, what Cedar's attributes come from. */
  private async pin(
    id: string,
    server: string,
    definition: ToolDefinition,
    digest: string,
    approvedBy: string | null,
    q: Queryable,
  ): Promise<void> {
    await q.query(
      `INSERT INTO tools (id, server, name, title, description, input_schema, output_schema, annotations,
         injection_score, definition_digest, definition_approved_by, definition_approved_at, discovered_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9, $10, $11,
         CASE WHEN $11::uuid IS NULL THEN NULL ELSE now() END, now())
       ON CONFLICT (id) DO UPDATE SET server = EXCLUDED.server, name = EXCLUDED.name, title = EXCLUDED.title,
         description = EXCLUDED.description, input_schema = EXCLUDED.input_schema,
         output_schema = EXCLUDED.output_schema, annotations = EXCLUDED.annotations,
         injection_score = EXCLUDED.injection_score, definition_digest = EXCLUDED.definition_digest,
         definition_approved_by = EXCLUDED.definition_approved_by,
         definition_approved_at = EXCLUDED.definition_approved_at, discovered_at = now(),
         pending_definition = NULL, pending_digest = NULL, definition_changed_at = NULL,
         updated_at = date_trunc('milliseconds', now())`,
      [
        id,
        server,
        definition.name,
        definition.title ?? definition.annotations?.title ?? null,
        definition.description ?? '',
        JSON.stringify(definition.inputSchema),
        definition.outputSchema === undefined ? null : JSON.stringify(definition.outputSchema),
        JSON.stringify(definition.annotations ?? {}),
        definitionInjectionScore(definition),
        digest,
        approvedBy,
      ],
    );
    this.cache.delete(id);
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
