// The MCP gateway's cost per tool call: the same read through the gateway (decide the call, forward, decide the
// result, both decisions logged durably) and straight to the upstream server, in one run, sequential calls.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { agentKey, json, login, startStack, stopStack, withPostgresSchema, REDIS_URL } from './stack.js';

const require = createRequire(import.meta.url);
const FILESYSTEM_SERVER = require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js');
const CALLS = Number(process.env['BENCH_MCP_CALLS'] ?? '400');
const BLOCK = 50;

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function measure(label: string, extraEnv: Record<string, string>): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'acgs-mcp-bench-'));
  const file = join(folder, 'notes.txt');
  writeFileSync(file, 'Quarterly notes: revenue up, costs flat.\n'.repeat(20));
  const stack = await startStack(extraEnv);
  const clients: Client[] = [];
  try {
    const [authUrl, , , , , pgcUrl] = stack.urls as [string, string, string, string, string, string];
    const admin = await login(authUrl);
    const key = await agentKey(authUrl, admin, 'mcp-bench@example.com');
    await json(`${pgcUrl}/api/v1/mcp/servers/fs`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ transport: 'stdio', command: process.execPath, args: [FILESYSTEM_SERVER, folder] }),
    });
    const direct = new Client({ name: 'bench-direct', version: '1' });
    await direct.connect(
      new StdioClientTransport({ command: process.execPath, args: [FILESYSTEM_SERVER, folder], stderr: 'ignore' }),
    );
    const gateway = new Client({ name: 'bench-gateway', version: '1' });
    await gateway.connect(
      new StreamableHTTPClientTransport(new URL(`${pgcUrl}/mcp`), { requestInit: { headers: { 'x-api-key': key } } }),
    );
    clients.push(direct, gateway);
    const timed = async (client: Client, name: string) => {
      const started = performance.now();
      const result = await client.callTool({ name, arguments: { path: file } });
      if (result.isError === true) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
      return performance.now() - started;
    };
    // What one logged decision costs on its own, for reading the gateway's figure: it makes two per call.
    const decisionBody = JSON.stringify({
      principal: { type: 'Agent', id: 'bench' },
      action: 'tool_call',
      resource: { type: 'Tool', id: 'fs.read_text_file' },
      content: JSON.stringify({ path: file }),
    });
    const decision = async () => {
      const started = performance.now();
      await json(`${pgcUrl}/api/v1/enforcement/evaluate`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: decisionBody,
      });
      return performance.now() - started;
    };
    const samples = { direct: [] as number[], gateway: [] as number[], decision: [] as number[] };
    // Warm both paths, then alternate blocks so drift on a noisy machine falls on both alike.
    for (let i = 0; i < 30; i += 1) {
      await timed(direct, 'read_text_file');
      await timed(gateway, 'fs.read_text_file');
    }
    for (let done = 0; done < CALLS; done += BLOCK) {
      for (let i = 0; i < BLOCK; i += 1) samples.direct.push(await timed(direct, 'read_text_file'));
      for (let i = 0; i < BLOCK; i += 1) samples.gateway.push(await timed(gateway, 'fs.read_text_file'));
      for (let i = 0; i < BLOCK; i += 1) samples.decision.push(await decision());
    }
    const [d, g, e] = [samples.direct, samples.gateway, samples.decision].map((list) =>
      [...list].sort((a, b) => a - b),
    ) as [number[], number[], number[]];
    const ms = (value: number) => value.toFixed(2).padStart(7);
    console.log(`\n-- ${label}: ${samples.direct.length} sequential reads each way --`);
    console.log(`              p50 ms   p99 ms`);
    console.log(`direct     ${ms(percentile(d, 50))}  ${ms(percentile(d, 99))}`);
    console.log(`gateway    ${ms(percentile(g, 50))}  ${ms(percentile(g, 99))}`);
    console.log(`one POST /api/v1/enforcement/evaluate (logged): ${ms(percentile(e, 50))}  ${ms(percentile(e, 99))}`);
    console.log(
      `added      ${ms(percentile(g, 50) - percentile(d, 50))}  ${ms(percentile(g, 99) - percentile(d, 99))}   (gateway ÷ direct: p50 ${(percentile(g, 50) / percentile(d, 50)).toFixed(2)}×, p99 ${(percentile(g, 99) / percentile(d, 99)).toFixed(2)}×)`,
    );
  } finally {
    for (const client of clients) await client.close().catch(() => undefined);
    await stopStack(stack);
    rmSync(stack.dataDir, { recursive: true, force: true });
    rmSync(folder, { recursive: true, force: true });
  }
}

export async function mcpBenchmarks(): Promise<void> {
  console.log(
    '\n== MCP gateway: added latency per proxied tool call (read_text_file of a 0.8 kB file; two decisions logged per call) ==',
  );
  await measure('PGlite', {});
  await withPostgresSchema((url) => measure('PostgreSQL + Redis', { DATABASE_URL: url, REDIS_URL }));
}
