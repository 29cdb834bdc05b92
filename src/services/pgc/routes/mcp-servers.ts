import { toolId } from '../../../domain/tools/catalogue.js';
import { principalOf } from '../../../platform/http/access.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { ServiceApp, ServiceContext } from '../../../platform/http/server.js';
import { DiscoveryView, ServerBody, ServerListView, ServerNameParam } from '../mcp/schemas.js';
import type { McpGateway } from '../mcp/gateway.js';
import { viewOf, type ServerRegistry, type UpstreamServer } from '../mcp/server-registry.js';
import type { Upstreams } from '../mcp/upstreams.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

/** Upstream MCP servers: registered by an admin, their tools discovered into the catalogue. */
export function registerMcpServerRoutes(
  app: ServiceApp,
  { platform }: ServiceContext,
  deps: { registry: ServerRegistry; upstreams: Upstreams; gateway: McpGateway },
): void {
  const { registry, upstreams, gateway } = deps;

  /** Discovery is best effort: a server that is down now is still registered, and found on a later call. */
  const discovered = async (server: UpstreamServer) => {
    try {
      const tools = await gateway.discover(server.name);
      return { ok: true, tools: tools.map((tool) => toolId(server.name, tool.name)), error: null };
    } catch (error) {
      return { ok: false, tools: [], error: (error as Error).message };
    }
  };

  app.get(
    '/api/v1/mcp/servers',
    {
      config: { access: AUDIENCES.overseers },
      schema: {
        tags: ['mcp'],
        summary: 'Upstream MCP servers the gateway fronts (credentials named, never shown)',
        response: { 200: ServerListView, ...errorResponses(401, 403) },
      },
    },
    async () => ({ items: (await registry.list()).map(viewOf) }),
  );

  app.put(
    '/api/v1/mcp/servers/:name',
    {
      config: { access: AUDIENCES.admins },
      schema: {
        tags: ['mcp'],
        summary: 'Register or replace an upstream MCP server (stdio command or HTTP URL) and discover its tools',
        params: ServerNameParam,
        body: ServerBody,
        response: { 200: DiscoveryView, 201: DiscoveryView, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request, reply) => {
      const actor = principalOf(request).userId;
      const { body } = request;
      const config =
        body.transport === 'stdio'
          ? { transport: 'stdio' as const, command: body.command, args: body.args ?? [], env: body.env ?? {} }
          : { transport: 'http' as const, url: body.url, headers: body.headers ?? {} };
      const { server, created } = await platform.db.transaction(async (tx) => {
        const saved = await registry.put(request.params.name, config, body.call_timeout_ms ?? 30_000, actor, tx);
        await platform.audit.record(
          {
            userId: actor,
            action: saved.created ? 'mcp.server_registered' : 'mcp.server_replaced',
            resource: `mcp_server:${saved.server.name}`,
            details: { ...viewOf(saved.server) },
          },
          tx,
        );
        return saved;
      });
      await upstreams.forget(server.name);
      return reply.status(created ? 201 : 200).send({ server: viewOf(server), discovery: await discovered(server) });
    },
  );

  app.post(
    '/api/v1/mcp/servers/:name/discover',
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['mcp'],
        summary: "Ask the server for its tools again and update the catalogue (an admin's settings are kept)",
        params: ServerNameParam,
        response: { 200: DiscoveryView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const server = await registry.get(request.params.name);
      return { server: viewOf(server), discovery: await discovered(server) };
    },
  );

  app.delete(
    '/api/v1/mcp/servers/:name',
    {
      config: { access: AUDIENCES.admins },
      schema: {
        tags: ['mcp'],
        summary: 'Remove an upstream server; its tools stay catalogued but can no longer be called',
        params: ServerNameParam,
        response: { 204: { type: 'null', description: 'Removed' }, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const actor = principalOf(request).userId;
      await platform.db.transaction(async (tx) => {
        await registry.remove(request.params.name, tx);
        await platform.audit.record(
          { userId: actor, action: 'mcp.server_removed', resource: `mcp_server:${request.params.name}` },
          tx,
        );
      });
      await upstreams.forget(request.params.name);
      return reply.status(204).send();
    },
  );
}
