import { LRUCache } from 'lru-cache';
import { NotFoundError } from '../../../domain/errors.js';
import type { Database, Queryable } from '../../../platform/db/database.js';

/** How the gateway reaches an upstream MCP server; env and headers hold its credentials and never leave the server. */
export type UpstreamConfig =
  | { transport: 'stdio'; command: string; args: string[]; env: Record<string, string> }
  | { transport: 'http'; url: string; headers: Record<string, string> };

export interface UpstreamServer {
  name: string;
  config: UpstreamConfig;
  call_timeout_ms: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** A server as the API shows it: credentials named, never shown. */
export interface UpstreamServerView {
  name: string;
  transport: 'stdio' | 'http';
  command: string | null;
  args: string[];
  url: string | null;
  env_keys: string[];
  header_names: string[];
  call_timeout_ms: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

interface ServerRow {
  name: string;
  transport: 'stdio' | 'http';
  command: string | null;
  args: string[];
  env: Record<string, string>;
  url: string | null;
  headers: Record<string, string>;
  call_timeout_ms: number;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

const toServer = (row: ServerRow): UpstreamServer => ({
  name: row.name,
  config:
    row.transport === 'stdio'
      ? { transport: 'stdio', command: row.command!, args: row.args, env: row.env }
      : { transport: 'http', url: row.url!, headers: row.headers },
  call_timeout_ms: Number(row.call_timeout_ms),
  created_by: row.created_by,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

export const viewOf = (server: UpstreamServer): UpstreamServerView => ({
  name: server.name,
  transport: server.config.transport,
  command: server.config.transport === 'stdio' ? server.config.command : null,
  args: server.config.transport === 'stdio' ? server.config.args : [],
  url: server.config.transport === 'http' ? server.config.url : null,
  env_keys: server.config.transport === 'stdio' ? Object.keys(server.config.env).sort() : [],
  header_names: server.config.transport === 'http' ? Object.keys(server.config.headers).sort() : [],
  call_timeout_ms: server.call_timeout_ms,
  created_by: server.created_by,
  created_at: server.created_at,
  updated_at: server.updated_at,
});

/**
 * The upstream MCP servers an admin registered. A tool call looks its server up; that is cached for a few seconds,
 * so a change reaches other instances within that time and this one at once.
 */
export class ServerRegistry {
  private readonly cache = new LRUCache<string, { server: UpstreamServer | null }>({ max: 1000, ttl: 5000 });

  constructor(private readonly db: Database) {}

  async list(): Promise<UpstreamServer[]> {
    return (await this.db.query<ServerRow>('SELECT * FROM mcp_servers ORDER BY name')).map(toServer);
  }

  async find(name: string): Promise<UpstreamServer | null> {
    const cached = this.cache.get(name);
    if (cached !== undefined) return cached.server;
    const row = (await this.db.query<ServerRow>('SELECT * FROM mcp_servers WHERE name = $1', [name]))[0];
    const server = row === undefined ? null : toServer(row);
    this.cache.set(name, { server });
    return server;
  }

  /** Forgets what this instance cached of a server (it was just replaced or removed here). */
  forget(name: string): void {
    this.cache.delete(name);
  }

  async get(name: string): Promise<UpstreamServer> {
    const server = await this.find(name);
    if (server === null) throw new NotFoundError('No upstream MCP server with this name', 'MCP_SERVER_NOT_FOUND');
    return server;
  }

  /** Registers or replaces a server; true when it was new. */
  async put(
    name: string,
    config: UpstreamConfig,
    callTimeoutMs: number,
    actorId: string,
    q: Queryable,
  ): Promise<{ server: UpstreamServer; created: boolean }> {
    const stdio = config.transport === 'stdio' ? config : null;
    const http = config.transport === 'http' ? config : null;
    const row = (
      await q.query<ServerRow & { created: boolean }>(
        `INSERT INTO mcp_servers (name, transport, command, args, env, url, headers, call_timeout_ms, created_by)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8, $9)
         ON CONFLICT (name) DO UPDATE SET transport = EXCLUDED.transport, command = EXCLUDED.command,
           args = EXCLUDED.args, env = EXCLUDED.env, url = EXCLUDED.url, headers = EXCLUDED.headers,
           call_timeout_ms = EXCLUDED.call_timeout_ms, updated_at = date_trunc('milliseconds', now())
         RETURNING *, (xmax = 0) AS created`,
        [
          name,
          config.transport,
          stdio?.command ?? null,
          stdio?.args ?? [],
          JSON.stringify(stdio?.env ?? {}),
          http?.url ?? null,
          JSON.stringify(http?.headers ?? {}),
          callTimeoutMs,
          actorId,
        ],
      )
    )[0]!;
    return { server: toServer(row), created: row.created };
  }

  /** Removes a server; its tools stay catalogued (with their settings) but can no longer be called. */
  async remove(name: string, q: Queryable): Promise<void> {
    const rows = await q.query<{ name: string }>('DELETE FROM mcp_servers WHERE name = $1 RETURNING name', [name]);
    if (rows.length === 0) throw new NotFoundError('No upstream MCP server with this name', 'MCP_SERVER_NOT_FOUND');
  }
}
