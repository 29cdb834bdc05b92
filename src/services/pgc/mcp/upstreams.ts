import { traceHeaders } from '../../../platform/tracing.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Progress, Tool } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../../../domain/errors.js';
import type { Logger } from '../../../platform/logger.js';
import { mcpSdk } from './sdk.js';
import type { ServerRegistry, UpstreamServer } from './server-registry.js';

/** An upstream that could not be started, reached, or did not answer in time. */
export class UpstreamError extends AppError {
  constructor(
    readonly server: string,
    detail: string,
  ) {
    super('unavailable', 'UPSTREAM_UNAVAILABLE', `upstream MCP server "${server}": ${detail}`, 5);
  }
}

interface Connection {
  client: Client;
  server: UpstreamServer;
}

const GATEWAY_CLIENT = { name: 'acgs-pgc-gateway', version: '1' };

/**
 * Live connections to upstream MCP servers, opened on first use. A connection whose transport closes (the process
 * exited, the HTTP session ended) is dropped and reopened by the next call, so a crashed upstream heals without an
 * operator; what was in flight on it fails with UPSTREAM_UNAVAILABLE.
 */
export class Upstreams {
  private readonly connections = new Map<string, Promise<Connection>>();

  constructor(
    private readonly registry: ServerRegistry,
    private readonly logger: Logger,
  ) {}

  async listTools(name: string): Promise<Tool[]> {
    const { client, server } = await this.connection(name);
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.ask(server, () =>
        client.listTools(cursor === undefined ? {} : { cursor }, { timeout: server.call_timeout_ms }),
      );
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return tools;
  }

  async callTool(
    name: string,
    tool: string,
    args: Record<string, unknown>,
    options: { onprogress?: (progress: Progress) => void; signal?: AbortSignal } = {},
  ): Promise<CallToolResult> {
    const { client, server } = await this.connection(name);
    const { CallToolResultSchema } = (await mcpSdk()).types;
    const trace = traceHeaders();
    return this.ask(
      server,
      async () =>
        // The call's trace context rides in `_meta` (where MCP carries it over any transport) as well as in the
        // HTTP transport's headers.
        (await client.callTool(
          { name: tool, arguments: args, ...(Object.keys(trace).length === 0 ? {} : { _meta: trace }) },
          CallToolResultSchema,
          {
            timeout: server.call_timeout_ms,
            ...options,
          },
        )) as CallToolResult,
    );
  }

  /** Closes the connection to a server (re-registered or removed); the next call opens one with its new settings. */
  async forget(name: string): Promise<void> {
    this.registry.forget(name);
    const pending = this.connections.get(name);
    this.connections.delete(name);
    if (pending !== undefined) await pending.then((connection) => connection.client.close()).catch(() => undefined);
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections.keys()].map((name) => this.forget(name)));
  }

  private async ask<T>(server: UpstreamServer, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new UpstreamError(server.name, (error as Error).message);
    }
  }

  private connection(name: string): Promise<Connection> {
    let pending = this.connections.get(name);
    if (pending === undefined) {
      pending = this.open(name);
      this.connections.set(name, pending);
      pending.catch(() => {
        if (this.connections.get(name) === pending) this.connections.delete(name);
      });
    }
    return pending;
  }

  private async open(name: string): Promise<Connection> {
    const server = await this.registry.get(name);
    const sdk = await mcpSdk();
    const { config } = server;
    let transport;
    if (config.transport === 'stdio') {
      const stdio = new sdk.clientStdio.StdioClientTransport({
        command: config.command,
        args: config.args,
        env: config.env,
        stderr: 'pipe',
      });
      stdio.stderr?.on('data', (chunk: Buffer) =>
        this.logger.debug({ server: name, stderr: chunk.toString('utf8').slice(0, 2000) }, 'upstream MCP stderr'),
      );
      transport = stdio;
    } else {
      transport = new sdk.clientHttp.StreamableHTTPClientTransport(new URL(config.url), {
        requestInit: { headers: config.headers },
        fetch: (url, init) => {
          const trace = traceHeaders();
          if (Object.keys(trace).length === 0) return fetch(url, init);
          const headers = new Headers(init?.headers);
          for (const [key, value] of Object.entries(trace)) headers.set(key, value);
          return fetch(url, { ...init, headers });
        },
      });
    }
    const client = new sdk.client.Client(GATEWAY_CLIENT);
    const connection = { client, server };
    client.onclose = () => {
      if (this.connections.get(name) !== undefined)
        this.logger.warn({ server: name }, 'upstream MCP connection closed');
      void this.connections.get(name)?.then(
        (current) => {
          if (current === connection) this.connections.delete(name);
        },
        () => undefined,
      );
    };
    client.onerror = (error) => this.logger.warn({ server: name, err: error.message }, 'upstream MCP transport error');
    try {
      await client.connect(transport, { timeout: server.call_timeout_ms });
    } catch (error) {
      await client.close().catch(() => undefined);
      throw new UpstreamError(name, `could not connect: ${(error as Error).message}`);
    }
    return connection;
  }
}
