import { Command } from 'commander';
import { apiKeyOrExit } from '../with-platform.js';

/** Mcp: the MCP gateway bridge for stdio clients. */
export function registerMcpCommands(program: Command): void {
  const mcp = program.command('mcp').description('the MCP gateway');
  mcp
    .command('connect')
    .description(
      'serve MCP on stdin/stdout and forward every message to the gateway (for MCP clients that only spawn processes)',
    )
    .option('--url <url>', 'the gateway endpoint', 'http://127.0.0.1:8005/mcp')
    .option('--api-key-env <name>', 'the environment variable holding the agent API key', 'ACGS_API_KEY')
    .action(async (options: { url: string; apiKeyEnv: string }) => {
      const apiKey = apiKeyOrExit('acgs mcp connect', options.apiKeyEnv);
      // Loaded here: every other command would pay for the MCP SDK's start-up otherwise.
      const { bridgeStdioToGateway } = await import('../mcp-bridge.js');
      await bridgeStdioToGateway(new URL(options.url), apiKey);
    });
}
