import { NotFoundError } from '../../../domain/errors.js';
import type { Queryable } from '../../../platform/db/database.js';

/** A model provider as the gateway calls it; the credential never leaves the server. */
export interface LlmUpstream {
  name: string;
  base_url: string;
  credential: string | null;
  models: string[];
  timeout_ms: number;
  retries: number;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

/** An upstream as the API shows it: whether it has a credential, never the credential. */
export interface LlmUpstreamView extends Omit<LlmUpstream, 'credential' | 'created_at' | 'updated_at'> {
  has_credential: boolean;
  created_at: string;
  updated_at: string;
}

export const upstreamView = ({ credential, ...upstream }: LlmUpstream): LlmUpstreamView => ({
  ...upstream,
  has_credential: credential !== null,
  created_at: upstream.created_at.toISOString(),
  updated_at: upstream.updated_at.toISOString(),
});

export interface UpstreamSettings {
  base_url: string;
  /** Omitted: a replaced upstream keeps the credential it had; null removes it. */
  credential?: string | null;
  models: string[];
  timeout_ms: number;
  retries: number;
}

/** How long the gateway routes on what it last read of the upstreams: another instance's change is seen this late. */
const ROUTING_TTL_MS = 5000;

/** The LLM upstreams admins register (`llm_upstreams`). */
export class LlmUpstreamRegistry {
  private routing: { upstreams: Promise<LlmUpstream[]>; readAt: number } | null = null;

  constructor(private readonly db: Queryable) {}

  /**
   * The upstreams as the gateway routes on them: read at most every few seconds, since every exchange asks (a query
   * per exchange was a millisecond of its latency); a change made through this instance is seen at once.
   */
  routable(): Promise<LlmUpstream[]> {
    const now = performance.now();
    if (this.routing === null || now - this.routing.readAt > ROUTING_TTL_MS) {
      const upstreams = this.list();
      this.routing = { upstreams, readAt: now };
      // A failed read is not kept: the next exchange asks the database again.
      upstreams.catch(() => {
        if (this.routing?.upstreams === upstreams) this.routing = null;
      });
    }
    return this.routing.upstreams;
  }

  list(): Promise<LlmUpstream[]> {
    return this.db.query<LlmUpstream>('SELECT * FROM llm_upstreams ORDER BY name');
  }

  async find(name: string): Promise<LlmUpstream | null> {
    return (await this.db.query<LlmUpstream>('SELECT * FROM llm_upstreams WHERE name = $1', [name]))[0] ?? null;
  }

  async get(name: string): Promise<LlmUpstream> {
    const upstream = await this.find(name);
    if (upstream === null) throw new NotFoundError('No LLM upstream with this name', 'LLM_UPSTREAM_NOT_FOUND');
    return upstream;
  }

  /** Registers or replaces an upstream; true when it was new. */
  async put(
    name: string,
    settings: UpstreamSettings,
    actorId: string,
    q: Queryable,
  ): Promise<{ upstream: LlmUpstream; created: boolean }> {
    const keep = settings.credential === undefined;
    const row = (
      await q.query<LlmUpstream & { created: boolean }>(
        `INSERT INTO llm_upstreams (name, base_url, credential, models, timeout_ms, retries, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (name) DO UPDATE SET base_url = EXCLUDED.base_url,
           credential = CASE WHEN $8 THEN llm_upstreams.credential ELSE EXCLUDED.credential END,
           models = EXCLUDED.models, timeout_ms = EXCLUDED.timeout_ms, retries = EXCLUDED.retries,
           updated_at = date_trunc('milliseconds', now())
         RETURNING *, (xmax = 0) AS created`,
        [
          name,
          settings.base_url,
          settings.credential ?? null,
          settings.models,
          settings.timeout_ms,
          settings.retries,
          actorId,
          keep,
        ],
      )
    )[0]!;
    const { created, ...upstream } = row;
    this.routing = null;
    return { upstream, created };
  }

  async remove(name: string, q: Queryable): Promise<void> {
    const rows = await q.query<{ name: string }>('DELETE FROM llm_upstreams WHERE name = $1 RETURNING name', [name]);
    if (rows.length === 0) throw new NotFoundError('No LLM upstream with this name', 'LLM_UPSTREAM_NOT_FOUND');
    this.routing = null;
  }
}
