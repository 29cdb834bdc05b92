import { randomUUID } from 'node:crypto';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError, ValidationError } from '../../../domain/errors.js';
import { principalOf } from '../../../platform/http/access.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import type { McpGateway } from '../mcp/gateway.js';
import { mcpSdk, type McpSdk } from '../mcp/sdk.js';
import { MemorySession } from '../enforcement/session-store.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

interface Session {
  transport: StreamableHTTPServerTransport;
  ownerId: string;
  lastSeen: number;
}

const SESSION_HEADER = 'mcp-session-id';

/**
 * `/mcp`: the gateway over MCP Streamable HTTP. Each session is one MCP server bound to the agent that opened it;
 * a session id presented with another principal's credentials is unknown (404), so a leaked id is not a session.
 */
export function registerMcpEndpoint(app: ServiceApp, gateway: McpGateway, options: { idleSeconds: number }): void {
  const sessions = new Map<string, Session>();

  const open = (sdk: McpSdk, ownerId: string, apiKeyId: string | null): StreamableHTTPServerTransport => {
    const { CallToolRequestSchema, ListToolsRequestSchema } = sdk.types;
    let sessionId = '';
    const transport = new sdk.serverHttp.StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        sessionId = id;
        sessions.set(id, { transport, ownerId, lastSeen: Date.now() });
      },
    });
    transport.onclose = () => {
      if (sessionId !== '') sessions.delete(sessionId);
    };
    const server = new sdk.server.Server(
      { name: 'acgs-pgc', version: '1' },
      {
        capabilities: { tools: { listChanged: false } },
        instructions:
          'Every tool call is decided against the constitution in force and logged; a refused call says which policy and principle refused it.',
      },
    );
    const history = new MemorySession();
    const caller = (requestId: string | number) => ({
      userId: ownerId,
      apiKeyId,
      session: history,
      requestId: `mcp:${sessionId}:${String(requestId)}`,
    });
    server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => ({
      tools: await gateway.listTools(caller(extra.requestId)),
    }));
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const progressToken = request.params._meta?.progressToken;
      // Progress is relayed as it arrives, and all of it is sent before the result (a client drops later progress).
      const relayed: Promise<void>[] = [];
      const result = await gateway.callTool(
        caller(extra.requestId),
        request.params.name,
        request.params.arguments ?? {},
        {
          signal: extra.signal,
          meta: request.params._meta,
          ...(progressToken === undefined
            ? {}
            : {
                onprogress: (progress) =>
                  relayed.push(
                    extra
                      .sendNotification({ method: 'notifications/progress', params: { ...progress, progressToken } })
                      .catch(() => undefined),
                  ),
              }),
        },
      );
      await Promise.all(relayed);
      return result;
    });
    void server.connect(transport);
    return transport;
  };

  const sweep = setInterval(() => {
    const cutoff = Date.now() - options.idleSeconds * 1000;
    for (const session of sessions.values()) if (session.lastSeen < cutoff) void session.transport.close();
  }, 60_000);
  sweep.unref();
  app.addHook('onClose', async () => {
    clearInterval(sweep);
    await Promise.all([...sessions.values()].map((session) => session.transport.close()));
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = principalOf(request);
    const sdk = await mcpSdk();
    const header = request.headers[SESSION_HEADER];
    const sessionId = typeof header === 'string' ? header : undefined;
    let transport: StreamableHTTPServerTransport;
    if (sessionId === undefined) {
      if (request.method !== 'POST' || !sdk.types.isInitializeRequest(request.body))
        throw new ValidationError(
          'Without an Mcp-Session-Id header, only an initialize request opens a session',
          'VALIDATION_ERROR',
        );
      transport = open(sdk, principal.userId, principal.apiKeyId);
    } else {
      const session = sessions.get(sessionId);
      if (session === undefined || session.ownerId !== principal.userId)
        throw new NotFoundError('No MCP session with this id for this caller', 'MCP_SESSION_NOT_FOUND');
      session.lastSeen = Date.now();
      transport = session.transport;
    }
    reply.hijack();
    await transport.handleRequest(request.raw, reply.raw, request.body);
  };

  const schema = {
    tags: ['mcp'],
    hide: false,
    response: {
      200: Type.Unknown({
        description: 'A JSON-RPC message, or a text/event-stream of them (MCP Streamable HTTP, spec 2025-06-18)',
      }),
      ...errorResponses(400, 401, 403, 404, 406),
    },
  };
  app.post(
    '/mcp',
    {
      config: { access: AUDIENCES.decisionCallers },
      schema: { ...schema, summary: 'MCP gateway: send a JSON-RPC message (initialize opens a session)' },
    },
    handle,
  );
  app.get(
    '/mcp',
    {
      config: { access: AUDIENCES.decisionCallers },
      schema: { ...schema, summary: "MCP gateway: the session's server-to-client event stream" },
    },
    handle,
  );
  app.delete(
    '/mcp',
    { config: { access: AUDIENCES.decisionCallers }, schema: { ...schema, summary: 'MCP gateway: end the session' } },
    handle,
  );
}
