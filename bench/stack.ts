// The stack under benchmark: `acgs up` from dist/ in a child process, and autocannon in this one.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import type { EvaluationRequest } from '../src/domain/enforcement/decide.js';
import { SERVICE_NAMES } from '../src/platform/config.js';
import { createScratchSchema } from '../test/support/postgres-schema.js';
import { freePort, healthy, waitFor } from '../test/support/process.js';

export const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
export const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '10');
export const ADMIN_EMAIL = 'bench@example.com';
export const ADMIN_PASSWORD = 'governance-load-test-42';

export interface Stack {
  child: ChildProcess;
  urls: string[];
  dataDir: string;
}

export async function startStack(
  extraEnv: Record<string, string> = {},
  dataDir = mkdtempSync(join(tmpdir(), 'acgs-bench-')),
  nodeArgs: readonly string[] = [],
): Promise<Stack & { startupMs: number }> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    ACGS_DATA_DIR: dataDir,
    // Request logs at the production default (info) cost the server a line per request; BENCH_LOG_LEVEL=info says how much.
    LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'warn',
    ACGS_ADMIN_EMAIL: ADMIN_EMAIL,
    ACGS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // The benchmark is one client IP hammering the API: per-IP limits (0 = off) would make it a 429 benchmark.
    ACGS_RATE_LIMIT_PER_MINUTE: '0',
    ACGS_AUTH_RATE_LIMIT_PER_MINUTE: '0',
    ACGS_CONSOLE_PORT: '0',
    ...extraEnv,
  };
  const urls: string[] = [];
  for (const service of SERVICE_NAMES) {
    const port = await freePort();
    env[`${service.toUpperCase()}_PORT`] = String(port);
    urls.push(`http://127.0.0.1:${port}`);
  }
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'up'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`acgs up exited with ${child.exitCode}`);
      return (await Promise.all(urls.map(healthy))).every(Boolean);
    },
    60_000,
    'stack start',
  );
  return { child, urls, dataDir, startupMs: performance.now() - started };
}

export async function stopStack(stack: Stack): Promise<void> {
  const exited = new Promise((resolve) => stack.child.once('exit', resolve));
  stack.child.kill('SIGTERM');
  await exited;
}

/** A bare Fastify 5 hello server: what the same Node and framework deliver with no work at all. */
export function startBareServer(port: number): ChildProcess {
  const source = `const app = require('fastify')(); app.get('/', async () => ({ hello: 'world' })); app.listen({ port: ${port}, host: '127.0.0.1' });`;
  return spawn(process.execPath, ['-e', source], {
    stdio: 'ignore',
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
}

/** A load's result, with what its failed requests failed with (error code → count). */
export type LoadResult = Result & { errorKinds: Map<string, number> };

export function load(options: autocannon.Options): Promise<LoadResult> {
  const errorKinds = new Map<string, number>();
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) =>
      error ? reject(error) : resolve({ ...result, errorKinds }),
    );
    instance.on('reqError', (error: NodeJS.ErrnoException) => {
      const kind = error.code ?? error.message;
      errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
    });
  });
}

/** "ECONNRESET 12, timeout 3", or nothing when no request failed. */
export const errorKinds = (result: LoadResult) =>
  [...result.errorKinds].map(([kind, count]) => `${kind} ${count}`).join(', ');

/** A row with p97.5, errors and what they were, and the statuses of non-2xx answers. */
export function describeLoad(label: string, result: LoadResult): string {
  const statuses = Object.entries(result.statusCodeStats ?? {})
    .filter(([status]) => !status.startsWith('2'))
    .map(([status, { count }]) => `${status} ×${count}`)
    .join(', ');
  return `${row(label, result)}${statuses === '' ? '' : ` (${statuses})`}   p97.5 ${String(result.latency.p97_5).padStart(4)} ms   errors ${result.errors}${result.errors > 0 ? ` (${errorKinds(result)})` : ''}`;
}

export const row = (label: string, result: Result) =>
  `${label.padEnd(34)} ${result.requests.average.toFixed(0).padStart(8)} req/s   p50 ${String(result.latency.p50).padStart(4)} ms   p99 ${String(result.latency.p99).padStart(4)} ms   non-2xx ${result.non2xx}`;

/** An evaluate request from the bench's agent; the content is what varies. */
export const evaluationRequest = (content: string): EvaluationRequest => ({
  principal: { type: 'Agent', id: 'bench' },
  action: 'generate',
  resource: { type: 'Model', id: 'm' },
  content,
});

/** Evaluate loaded at `url` (a service or the gateway) with distinct content per request, for SECONDS. */
export function uniqueEvaluations(url: string, token: string, connections: number): Promise<LoadResult> {
  let counter = 0;
  return load({
    url: `${url}/api/v1/enforcement/evaluate`,
    method: 'POST',
    connections,
    duration: SECONDS,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    // Distinct content per request, so the decision cache does not turn this into a cache benchmark.
    requests: [
      {
        setupRequest: (r) => ({
          ...r,
          body: JSON.stringify(evaluationRequest(`Write a haiku about request ${(counter += 1)}`)),
        }),
      },
    ],
  });
}

export async function login(authUrl: string): Promise<string> {
  const response = await fetch(`${authUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

export async function withPostgresSchema<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const scratch = await createScratchSchema('bench');
  try {
    return await fn(scratch.url);
  } finally {
    await scratch.drop();
  }
}

/** Sum and count of unlabelled histograms, from the /metrics of every service (process-wide ones live in one). */
export async function histogramTotals(urls: readonly string[], names: readonly string[]) {
  const texts = await Promise.all(urls.map(async (url) => (await fetch(`${url}/metrics`)).text()));
  const totals = new Map<string, { sum: number; count: number }>();
  for (const name of names) {
    const value = (suffix: string) => {
      for (const text of texts) {
        // Every service labels its series with service="…"; these histograms have no label of their own.
        const match = new RegExp(`^${name}_${suffix}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
        if (match !== null) return Number(match[1]);
      }
      return 0;
    };
    totals.set(name, { sum: value('sum'), count: value('count') });
  }
  return totals;
}

/** "name: mean over the interval" for each histogram, between two histogramTotals. */
export function histogramMeans(
  before: Map<string, { sum: number; count: number }>,
  after: Map<string, { sum: number; count: number }>,
  format: Record<string, (mean: number, count: number) => string>,
): string {
  return Object.entries(format)
    .map(([name, describe]) => {
      const count = after.get(name)!.count - before.get(name)!.count;
      const sum = after.get(name)!.sum - before.get(name)!.sum;
      return describe(count === 0 ? 0 : sum / count, count);
    })
    .join('; ');
}

/** A JSON call that must succeed: the body, or an error naming the call and what it answered. */
export async function json(url: string, init: RequestInit): Promise<Record<string, unknown>> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** An agent account with an API key, issued as an admin would. */
export async function agentKey(authUrl: string, admin: string, email: string): Promise<string> {
  const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
  const user = await json(`${authUrl}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'governance-load-test-42', full_name: 'Bench' }),
  });
  await json(`${authUrl}/auth/users/${String(user['id'])}/roles`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ roles: ['agent'] }),
  });
  const issued = await json(`${authUrl}/auth/api-keys`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ user_id: user['id'], name: 'bench' }),
  });
  return String(issued['key']);
}
