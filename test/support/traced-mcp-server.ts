import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

/** The trace context one tool call arrived with: in its HTTP headers, and in the request's `_meta`. */
export interface SeenCall {
  tool: string;
  header: string | undefined;
  meta: string | undefined;
}

const TOOLS = [
  {
    name: 'echo',
    description: 'Answers the text it is given',
    inputSchema: { type: 'object' as const, properties: { text: { type: 'string' } }, required: ['text'] },
    annotations: { readOnlyHint: true },
  },
  {
    name: 'wipe',
    description: 'Deletes everything',
    inputSchema: { type: 'object' as const, properties: {} },
    annotations: { destructiveHint: true, readOnlyHint: false },
  },
];

const bodyOf = (request: IncomingMessage) =>
  new Promise<unknown>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve(text === '' ? undefined : JSON.parse(text));
    });
    request.on('error', reject);
  });

/**
 * An MCP server over Streamable HTTP (the SDK's own server, stateless: one transport per request) that records the
 * trace context each tool call reaches it with, so a test can see the gateway propagate an agent's trace upstream.
 */
export class TracedMcpServer {
  readonly calls: SeenCall[] = [];
  private http: HttpServer | null = null;

  async start(): Promise<string> {
    this.http = createServer((request, response) => {
      void (async () => {
        const body = await bodyOf(request);
        const server = new Server({ name: 'traced', version: '1' }, { capabilities: { tools: {} } });
        server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: TOOLS }));
        server.setRequestHandler(CallToolRequestSchema, async (call) => {
          const header = request.headers['traceparent'];
          const meta = call.params._meta?.['traceparent'];
          this.calls.push({
            tool: call.params.name,
            header: typeof header === 'string' ? header : undefined,
            meta: typeof meta === 'string' ? meta : undefined,
          });
          const text = call.params.name === 'echo' ? String(call.params.arguments?.['text'] ?? '') : 'wiped';
          return { content: [{ type: 'text', text }] };
        });
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        response.on('close', () => void transport.close().then(() => server.close()));
        await server.connect(transport);
        await transport.handleRequest(request, response, body);
      })().catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => this.http!.listen(0, '127.0.0.1', resolve));
    const { port } = this.http.address() as { port: number };
    return `http://127.0.0.1:${port}/mcp`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.http === null ? resolve() : this.http.close(() => resolve())));
  }
}
