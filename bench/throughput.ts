// Throughput of the decision API against what the machine and the engine allow, in one run: a bare Fastify hello,
// PGC's /health, evaluate with unique and with repeated content (durable logging on), and in-process decide() on the
// same bundle, at 50 and 1,000 connections, on PGlite and on PostgreSQL. Prints figures and ratios; asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Result } from 'autocannon';
import { decide } from '../src/domain/enforcement/decide.js';
import { PolicyEngine } from '../src/domain/enforcement/engine.js';
import { assembleBundle, bundleHash } from '../src/domain/policy/bundle.js';
import { starterPolicies } from '../src/domain/synthesis/starter-bundle.js';
import { freePort, waitFor } from '../test/support/process.js';
import { countCpu } from './cpu.js';
import { openLoop } from './open-loop.js';
import {
  describeLoad,
  evaluationRequest as request,
  uniqueEvaluations,
  histogramMeans,
  histogramTotals,
  load,
  type LoadResult,
  login,
  REDIS_URL,
  SECONDS,
  startBareServer,
  startStack,
  stopStack,
  withPostgresSchema,
} from './stack.js';

/** decide() on the starter bundle with unique content per call, on this one core: decisions per second. */
function inProcessDecisionsPerSecond(): number {
  const bundle = assembleBundle({ version: 1, constitutionHash: 'bench', policies: starterPolicies() });
  const engine = new PolicyEngine(bundle, bundleHash(bundle), 'bench-throughput');
  for (let i = 0; i < 2000; i += 1) decide(engine, request(`warm-up ${i}`));
  let done = 0;
  const started = performance.now();
  while (performance.now() - started < 3000) {
    decide(engine, request(`Write a haiku about request ${done}`));
    done += 1;
  }
  return done / ((performance.now() - started) / 1000);
}

const LOG_HISTOGRAMS = [
  'acgs_pgc_decision_log_batch_rows',
  'acgs_pgc_decision_log_write_seconds',
  'acgs_audit_append_duration_seconds',
  'acgs_pgc_decision_duration_seconds',
];

const DECISION_LOG_OFF = fileURLToPath(new URL('./decision-log-off.mjs', import.meta.url));

/** Evaluate with unique content on the same build with the decision log answering without writing. */
async function withoutDecisionLog(env: Record<string, string>, connections: number, dataDir: string) {
  const stack = await startStack(env, dataDir, ['--import', DECISION_LOG_OFF]);
  try {
    return await uniqueEvaluations(stack.urls[5]!, await login(stack.urls[0]!), connections);
  } finally {
    await stopStack(stack);
  }
}

async function section(label: string, env: Record<string, string>, connections: number, decideRate: number) {
  console.log(`\n== ${label}, ${connections} connections, ${SECONDS} s each ==`);
  const barePort = await freePort();
  const bare = startBareServer(barePort);
  await waitFor(
    async () =>
      await fetch(`http://127.0.0.1:${barePort}/`).then(
        (r) => r.ok,
        () => false,
      ),
    10_000,
    'bare Fastify server',
  );
  // Both stacks of a section share the data dir: on PostgreSQL the second finds the first's keys and data.
  const dataDir = mkdtempSync(join(tmpdir(), 'acgs-bench-'));
  const stack = await startStack(env, dataDir);
  let durable: LoadResult;
  try {
    const pgc = stack.urls[5]!;
    const token = await login(stack.urls[0]!);
    const common = { connections, duration: SECONDS };
    const evaluate = { url: `${pgc}/api/v1/enforcement/evaluate`, method: 'POST' as const };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const hello = await load({ ...common, url: `http://127.0.0.1:${barePort}/` });
    const health = await load({ ...common, url: `${pgc}/health` });
    const cpuDuringUnique = countCpu(stack.child.pid!);
    const logBefore = await histogramTotals(stack.urls, LOG_HISTOGRAMS);
    const unique = await uniqueEvaluations(pgc, token, connections);
    const uniqueCpu = cpuDuringUnique();
    const uniqueLog = histogramMeans(logBefore, await histogramTotals(stack.urls, LOG_HISTOGRAMS), {
      acgs_pgc_decision_log_batch_rows: (mean, count) => `${count} transactions of ${mean.toFixed(1)} decisions`,
      acgs_pgc_decision_log_write_seconds: (mean) => `${(mean * 1000).toFixed(1)} ms BEGIN to COMMIT`,
      acgs_audit_append_duration_seconds: (mean) =>
        `${(mean * 1000).toFixed(1)} ms of it holding the append lock before COMMIT`,
      acgs_pgc_decision_duration_seconds: (mean) => `deciding ${(mean * 1e6).toFixed(0)} µs per request`,
    });
    const repeated = await load({ ...common, ...evaluate, headers, body: JSON.stringify(request('The same prompt')) });
    // A closed loop of 1,000 connections queues 1,000 requests whatever the server's speed (mean latency =
    // connections ÷ throughput), so at 1,000 connections latency is also measured open-loop: half the rate the same
    // stack just sustained, spread evenly over the 1,000 connections — many agents connected, none saturating it.
    const offered = Math.max(1, Math.round(unique.requests.average / 2));
    let counter = 0;
    const unsaturated =
      connections >= 1000
        ? await openLoop({
            url: `${pgc}/api/v1/enforcement/evaluate`,
            connections,
            ratePerSecond: offered,
            seconds: SECONDS,
            headers,
            body: () => JSON.stringify(request(`Open-loop haiku ${(counter += 1)}`)),
          })
        : null;
    const rows: [string, LoadResult][] = [
      ['bare Fastify hello', hello],
      ['PGC GET /health', health],
      ['evaluate, unique content', unique],
      ['evaluate, repeated content', repeated],
    ];
    for (const [name, result] of rows) console.log(describeLoad(name, result));
    console.log(`${'in-process decide(), one core'.padEnd(34)} ${decideRate.toFixed(0).padStart(8)} decisions/s`);
    console.log(`evaluate, unique content: ${uniqueCpu}`);
    console.log(`evaluate, unique content: ${uniqueLog}`);
    const perSecond = (result: Result) => result.requests.average;
    console.log(
      `ratios: /health ${(perSecond(health) / perSecond(hello)).toFixed(3)}× bare (goal ≥ 0.5); evaluate unique ${(perSecond(unique) / decideRate).toFixed(3)}× in-process decide() (goal ≥ 0.5, p99 ≤ 20 ms: ${unique.latency.p99} ms); evaluate repeated ${(perSecond(repeated) / decideRate).toFixed(3)}×`,
    );
    if (unsaturated !== null)
      console.log(
        `1,000 connections on evaluate: closed loop (saturated) errors ${unique.errors + repeated.errors}, non-2xx ${unique.non2xx + repeated.non2xx}, p97.5 ${unique.latency.p97_5} ms; open loop at ${offered} req/s: ${unsaturated.completed} of ${unsaturated.sent} answered, errors ${unsaturated.errors}, non-2xx ${unsaturated.non2xx}, p50 ${unsaturated.p50.toFixed(1)} ms, p95 ${unsaturated.p95.toFixed(1)} ms, p99 ${unsaturated.p99.toFixed(1)} ms (goal: 0 errors, 0 non-2xx, p95 < 100 ms)`,
      );
    durable = unique;
  } finally {
    await stopStack(stack);
    bare.kill();
  }
  const off = await withoutDecisionLog(env, connections, dataDir).finally(() =>
    rmSync(dataDir, { recursive: true, force: true }),
  );
  console.log(describeLoad('evaluate, unique, decision log off', off));
  console.log(
    `durable logging: p99 ${durable.latency.p99} ms vs ${off.latency.p99} ms off (+${((durable.latency.p99 / Math.max(off.latency.p99, 1) - 1) * 100).toFixed(0)} %, goal ≤ 10 %); ${durable.requests.average.toFixed(0)} vs ${off.requests.average.toFixed(0)} req/s (benchmark-only switch: bench/decision-log-off.mjs)`,
  );
}

/** All of it by default; BENCH_CONNECTIONS=50 and BENCH_BACKENDS=postgres (or pglite) narrow it for an A/B. */
export async function throughputBenchmarks(): Promise<void> {
  const decideRate = inProcessDecisionsPerSecond();
  const connectionCounts = (process.env['BENCH_CONNECTIONS'] ?? '50,1000').split(',').map(Number);
  const backends = (process.env['BENCH_BACKENDS'] ?? 'pglite,postgres').split(',');
  for (const connections of connectionCounts) {
    if (backends.includes('pglite')) await section('PGlite, in-memory cache', {}, connections, decideRate);
    if (backends.includes('postgres'))
      await withPostgresSchema((url) =>
        section('PostgreSQL + Redis', { DATABASE_URL: url, REDIS_URL }, connections, decideRate),
      );
  }
}
