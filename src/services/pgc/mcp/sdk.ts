/**
 * The MCP SDK, loaded on first use: building its protocol schemas costs ~0.5 s of start-up, which a PGC (and every
 * `acgs` command) that never meets an MCP client or upstream should not pay.
 */
export interface McpSdk {
  server: typeof import('@modelcontextprotocol/sdk/server/index.js');
  serverHttp: typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js');
  client: typeof import('@modelcontextprotocol/sdk/client/index.js');
  clientStdio: typeof import('@modelcontextprotocol/sdk/client/stdio.js');
  clientHttp: typeof import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  types: typeof import('@modelcontextprotocol/sdk/types.js');
}

let loading: Promise<McpSdk> | null = null;

export function mcpSdk(): Promise<McpSdk> {
  loading ??= (async () => {
    const [server, serverHttp, client, clientStdio, clientHttp, types] = await Promise.all([
      import('@modelcontextprotocol/sdk/server/index.js'),
      import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
      import('@modelcontextprotocol/sdk/client/index.js'),
      import('@modelcontextprotocol/sdk/client/stdio.js'),
      import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
      import('@modelcontextprotocol/sdk/types.js'),
    ]);
    return { server, serverHttp, client, clientStdio, clientHttp, types };
  })();
  return loading;
}
