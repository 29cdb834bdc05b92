// Benchmarks for the foundation issue. Prints figures; asserts nothing. Run with `npm run bench`.
// The system under test runs in child processes built from dist/, the load generator (autocannon) in this one.
import { rmSync } from 'node:fs';
import { auditBenchmarks } from './audit.js';
import { synthesisBenchmarks } from './synthesis.js';
import { verifyBenchmarks } from './verify.js';
import { inProcessDecisions } from './enforcement.js';
import { profileEvaluate } from './profile.js';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  load,
  REDIS_URL,
  row,
  SECONDS,
  startStack,
  stopStack,
  withPostgresSchema,
} from './stack.js';
import { throughputBenchmarks } from './throughput.js';
import { gatewayBenchmarks } from './gateway.js';
import { mcpBenchmarks } from './mcp.js';
import { llmBenchmarks } from './llm.js';
import { detectorBenchmarks } from './detectors.js';
import { tracingBenchmarks } from './tracing.js';

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

// `npm run bench -- <section>` runs one section: enforcement, detectors, throughput, tracing, gateway, mcp, llm, login, cold, audit, verify, synthesis; `profile` (alone) writes and summarises a CPU profile.
const only = process.argv[2];
const wanted = (section: string) => only === undefined || only === section;
if (wanted('enforcement')) inProcessDecisions();
if (wanted('detectors')) await detectorBenchmarks();
if (wanted('throughput')) await throughputBenchmarks();
if (wanted('tracing')) await tracingBenchmarks();
if (wanted('gateway')) await gatewayBenchmarks();
if (wanted('mcp')) await mcpBenchmarks();
if (wanted('llm')) await llmBenchmarks();
// Not part of a full run: a CPU profile of the stack under evaluate load, for finding where the time goes.
if (only === 'profile') await profileEvaluate();
if (wanted('login')) await healthUnderLoginLoad();
if (wanted('cold')) await coldStart();
if (wanted('audit')) await auditBenchmarks();
if (wanted('verify')) await verifyBenchmarks();
if (wanted('synthesis')) await synthesisBenchmarks();
