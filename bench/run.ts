// Benchmarks for the foundation issue. Prints figures; asserts nothing. Run with `npm run bench`.
// The system under test runs in child processes built from dist/, the load generator (autocannon) in this one.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { SERVICE_NAMES } from '../src/platform/config.js';
import { createScratchSchema } from '../test/support/postgres-schema.js';
import { freePort, healthy, waitFor } from '../test/support/process.js';
import { auditBenchmarks } from './audit.js';
import { synthesisBenchmarks } from './synthesis.js';
import { verifyBenchmarks } from './verify.js';
import { inProcessDecisions } from './enforcement.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '10');
const ADMIN_EMAIL = 'bench@example.com';
const ADMIN_PASSWORD = 'governance-load-test-42';

interface Stack {
  child: ChildProcess;
  urls: string[];
  dataDir: string;
}

async function startStack(
  extraEnv: Record<string, string> = {},
  dataDir = mkdtempSync(join(tmpdir(), 'acgs-bench-')),
): Promise<Stack & { startupMs: number }> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    ACGS_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ACGS_ADMIN_EMAIL: ADMIN_EMAIL,
    ACGS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // The benchmark is one client IP hammering the API: per-IP limits (0 = off) would make it a 429 benchmark.
    ACGS_RATE_LIMIT_PER_MINUTE: '0',
    ACGS_AUTH_RATE_LIMIT_PER_MINUTE: '0',
    ...extraEnv,
  };
  const urls: string[] = [];
  for (const service of SERVICE_NAMES) {
    const port = await freePort();
    env[`${service.toUpperCase()}_PORT`] = String(port);
    urls.push(`http://127.0.0.1:${port}`);
  }
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'up'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
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

async function stopStack(stack: Stack): Promise<void> {
  const exited = new Promise((resolve) => stack.child.once('exit', resolve));
  stack.child.kill('SIGTERM');
  await exited;
}

function startBareServer(port: number): ChildProcess {
  const source = `require('node:http').createServer((q, s) => { s.setHeader('content-type', 'application/json'); s.end('{"hello":"world"}'); }).listen(${port}, '127.0.0.1');`;
  return spawn(process.execPath, ['-e', source], { stdio: 'ignore' });
}

function load(options: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

const row = (label: string, result: Result) =>
  `${label.padEnd(34)} ${result.requests.average.toFixed(0).padStart(8)} req/s   p50 ${String(result.latency.p50).padStart(4)} ms   p99 ${String(result.latency.p99).padStart(4)} ms   non-2xx ${result.non2xx}`;

async function login(authUrl: string): Promise<string> {
  const response = await fetch(`${authUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function withPostgresSchema<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const scratch = await createScratchSchema('bench');
  try {
    return await fn(scratch.url);
  } finally {
    await scratch.drop();
  }
}

async function throughput(label: string, env: Record<string, string>): Promise<void> {
  console.log(`\n== Throughput at 50 connections, ${SECONDS} s each (${label}) ==`);
  const barePort = await freePort();
  const bare = startBareServer(barePort);
  await waitFor(
    async () =>
      await fetch(`http://127.0.0.1:${barePort}/`)
        .then((r) => r.ok)
        .catch(() => false),
    10_000,
    'bare server',
  );
  const stack = await startStack(env);
  try {
    const authUrl = stack.urls[0]!;
    const token = await login(authUrl);
    const common = { connections: 50, duration: SECONDS };
    const bareResult = await load({ ...common, url: `http://127.0.0.1:${barePort}/` });
    const health = await load({ ...common, url: `${authUrl}/health` });
    const me = await load({ ...common, url: `${authUrl}/auth/me`, headers: { authorization: `Bearer ${token}` } });
    let counter = 0;
    const evaluate = await load({
      ...common,
      url: `${stack.urls[5]}/api/v1/enforcement/evaluate`,
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      // Distinct content per request, so the decision cache does not turn this into a cache benchmark.
      setupClient: (client) => {
        client.setBody(
          JSON.stringify({
            principal: { type: 'Agent', id: 'bench' },
            action: 'generate',
            resource: { type: 'Model', id: 'm' },
            content: `Write a haiku about request ${(counter += 1)}`,
          }),
        );
      },
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({
              principal: { type: 'Agent', id: 'bench' },
              action: 'generate',
              resource: { type: 'Model', id: 'm' },
              content: `Write a haiku about request ${(counter += 1)}`,
            }),
          }),
        },
      ],
    });
    console.log(row('bare node:http hello', bareResult));
    console.log(row('GET /health (auth)', health));
    console.log(row('GET /auth/me (JWT + DB read)', me));
    console.log(row('POST evaluate (durable log)', evaluate));
    const ratio = (result: Result) => (result.requests.average / bareResult.requests.average).toFixed(2);
    console.log(
      `ratio to bare req/s: /health ${ratio(health)}×, /auth/me ${ratio(me)}×, evaluate ${ratio(evaluate)}×; p99 ms: ${health.latency.p99}, ${me.latency.p99}, ${evaluate.latency.p99} vs ${bareResult.latency.p99}`,
    );
  } finally {
    await stopStack(stack);
    rmSync(stack.dataDir, { recursive: true, force: true });
    bare.kill();
  }
}

async function healthUnderLoginLoad(): Promise<void> {
  console.log(
    `\n== /health p99 at 10 connections: idle vs while 20 clients log in continuously (bcrypt cost 12), ${SECONDS} s each ==`,
  );
  const stack = await startStack();
  try {
    const authUrl = stack.urls[0]!;
    const healthLoad = { url: `${authUrl}/health`, connections: 10, duration: SECONDS };
    const idle = await load(healthLoad);
    const [busy, logins] = await Promise.all([
      load(healthLoad),
      load({
        url: `${authUrl}/auth/login`,
        connections: 20,
        duration: SECONDS,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
      }),
    ]);
    console.log(row('/health idle', idle));
    console.log(row('/health during logins', busy));
    console.log(row('POST /auth/login (20 clients)', logins));
    console.log(
      `p99 ratio busy/idle: ${(busy.latency.p99 / Math.max(idle.latency.p99, 1)).toFixed(2)}× (goal ≤ 2×; autocannon reports whole milliseconds, idle p99 floored at 1 ms)`,
    );
  } finally {
    await stopStack(stack);
    rmSync(stack.dataDir, { recursive: true, force: true });
  }
}

async function coldStart(): Promise<void> {
  console.log('\n== Cold start of `acgs up` to all six services healthy ==');
  const fresh = await startStack();
  await stopStack(fresh);
  console.log(`PGlite, new data dir:          ${fresh.startupMs.toFixed(0)} ms`);
  const again = await startStack({}, fresh.dataDir);
  await stopStack(again);
  rmSync(fresh.dataDir, { recursive: true, force: true });
  console.log(`PGlite, existing data dir:     ${again.startupMs.toFixed(0)} ms`);

  await withPostgresSchema(async (url) => {
    // Both starts must unlock the one OpenPGP key in the database, as every instance of a real deployment does.
    const env = {
      DATABASE_URL: url,
      REDIS_URL: REDIS_URL,
      ACGS_SIGNING_KEY_PASSPHRASE: 'bench-signing-passphrase-0123456789abcdef',
    };
    const first = await startStack(env);
    await stopStack(first);
    rmSync(first.dataDir, { recursive: true, force: true });
    console.log(`PostgreSQL + Redis, empty:    ${first.startupMs.toFixed(0)} ms`);
    const second = await startStack(env);
    await stopStack(second);
    rmSync(second.dataDir, { recursive: true, force: true });
    console.log(`PostgreSQL + Redis, migrated: ${second.startupMs.toFixed(0)} ms`);
  });
  console.log(
    '(each figure includes spawning Node and loading the code; measured from spawn to six healthy /health answers)',
  );
}

// `npm run bench -- <section>` runs one section: enforcement, throughput, login, cold, audit, verify, synthesis.
const only = process.argv[2];
const wanted = (section: string) => only === undefined || only === section;
if (wanted('enforcement')) inProcessDecisions();
if (wanted('throughput')) {
  await throughput('PGlite, in-memory cache', {});
  await withPostgresSchema((url) => throughput('PostgreSQL + Redis', { DATABASE_URL: url, REDIS_URL }));
}
if (wanted('login')) await healthUnderLoginLoad();
if (wanted('cold')) await coldStart();
if (wanted('audit')) await auditBenchmarks();
if (wanted('verify')) await verifyBenchmarks();
if (wanted('synthesis')) await synthesisBenchmarks();
