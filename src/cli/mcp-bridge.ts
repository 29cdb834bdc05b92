import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { isJSONRPCRequest, isJSONRPCResultResponse, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * `acgs mcp connect`: an MCP server on stdin/stdout for clients that only spawn processes, forwarding every message
 * to the gateway's /mcp and back. It decides nothing itself — the gateway does — so it adds no way around enforcement.
 */
export async function bridgeStdioToGateway(url: URL, apiKey: string): Promise<void> {
  const gateway = new StreamableHTTPClientTransport(url, { requestInit: { headers: { 'x-api-key': apiKey } } });
  const client = new StdioServerTransport();
  const initializing = new Set<string | number>();

  gateway.onmessage = (message: JSONRPCMessage) => {
    // The gateway wants the negotiated protocol version on every later request, as the SDK's own client sends it.
    if (isJSONRPCResultResponse(message) && initializing.delete(message.id)) {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === 'string') gateway.setProtocolVersion(version);
    }
    void client.send(message);
  };
  gateway.onerror = (error) => console.error(`acgs mcp connect: ${error.message}`);
  client.onmessage = (message: JSONRPCMessage) => {
    if (isJSONRPCRequest(message) && message.method === 'initialize') initializing.add(message.id);
    gateway.send(message).catch((error: Error) => {
      // A request the gateway never answered still gets an answer, so the client does not wait forever.
      if (isJSONRPCRequest(message))
        void client.send({
          jsonrpc: '2.0',
          id: message.id,
          error: {
            code: -32603,
            message: `the ACGS gateway at ${url.href} did not take the message: ${error.message}`,
          },
        });
    });
  };
  const closed = new Promise<void>((resolve) => {
    client.onclose = resolve;
  });
  await gateway.start();
  await client.start();
  await closed;
  await gateway.terminateSession().catch(() => undefined);
  await gateway.close();
}
