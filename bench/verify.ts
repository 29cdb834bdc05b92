// Verification benchmarks: the starter bundle's full report cold and warm and property query latency, asked through
// the solver pool as the services ask; generated cases checked against Cedar, equivalence of a large bundle with a
// rewritten copy, and replay speed for empirical impact, in process.
import { STARTER_PRINCIPLES } from '../src/domain/constitution/starter.js';
import { GOVERNANCE_SCHEMA } from '../src/domain/policy/governance-schema.js';
import { starterPolicies } from '../src/domain/synthesis/starter-bundle.js';
import { compareBundles, symbolicDecisions } from '../src/domain/verify/questions.js';
import { PreparsedPolicies } from '../src/domain/verify/replay.js';
import { stopZ3 } from '../src/domain/verify/z3.js';
import { SolverPool } from '../src/platform/solver/pool.js';
import { replayAll } from '../src/platform/threads/parallel-replay.js';
import { availableParallelism } from 'node:os';
import { CedarGenerator, random, rewrittenCopy } from '../test/support/cedar-generator.js';

const STARTER = Object.entries(starterPolicies()).map(([id, text]) => ({ id, text }));
const ms = (started: number) => performance.now() - started;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** A bundle job's report: conformance with translation validation, then the policy checks, as fv's worker runs it. */
async function fullReport(pool: SolverPool) {
  const conformance = await pool.run('checkConformance', GOVERNANCE_SCHEMA, STARTER, STARTER_PRINCIPLES, {});
  const policies = await pool.run('checkPolicies', GOVERNANCE_SCHEMA, STARTER, {});
  return { conformance, policies };
}

export async function verifyBenchmarks(): Promise<void> {
  console.log('\n== Verification (through the solver pool, one worker) ==');
  let started = performance.now();
  const pool = new SolverPool({ workers: 1, rlimit: 20_000_000, taskTimeoutMs: 600_000 });
  await pool.start();
  const init = ms(started);
  started = performance.now();
  const first = await fullReport(pool);
  const cold = ms(started);
  const warm: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    started = performance.now();
    await fullReport(pool);
    warm.push(ms(started));
  }
  console.log(
    `starter bundle full report (${first.conformance.constraints.length} constraints + translation, ${first.conformance.verdict}; policy checks of ${first.policies.policies.length} policies, ${first.policies.verdict}): pool start (Z3 loaded and warmed) ${init.toFixed(0)} ms, first report ${cold.toFixed(0)} ms (cold service: ${(init + cold).toFixed(0)} ms), warm median ${median(warm).toFixed(0)} ms`,
  );

  const conditions = [
    'context.secrets && action == Action::"respond"',
    'action == Action::"send_external" && context.pii.contains("payment_card")',
    'action == Action::"tool_call" && context.risk >= 90 && !context.human_approved',
    'action == Action::"generate" && context.injection_score >= 95',
    'action == Action::"retrieve" && context.data_classification == "restricted" && !context.human_approved',
  ];
  const latencies: number[] = [];
  for (let round = 0; round < 10; round += 1)
    for (const condition of conditions) {
      started = performance.now();
      await pool.run('neverDecidesEach', GOVERNANCE_SCHEMA, STARTER, [{ condition, decision: 'allow' }], {});
      latencies.push(ms(started));
    }
  console.log(`property query on the starter bundle: p50 ${median(latencies).toFixed(1)} ms over ${latencies.length}`);
  await pool.close();

  const cases = Number(process.env['VERIFY_CASES'] ?? 10_000);
  const generate = new CedarGenerator(random(4242));
  let mismatches = 0;
  started = performance.now();
  for (let done = 0; done < cases; done += 10) {
    const policies = generate.bundle(1 + ((done / 10) % 4));
    const requests = Array.from({ length: 10 }, () => generate.request());
    const claimed = await symbolicDecisions(GOVERNANCE_SCHEMA, policies, requests);
    const cedar = new PreparsedPolicies(GOVERNANCE_SCHEMA, policies, 'bench:generated');
    requests.forEach((request, i) => {
      if (claimed[i] !== cedar.decide(request).decision) mismatches += 1;
    });
  }
  console.log(
    `generated cases against Cedar: ${cases} in ${(ms(started) / 1000).toFixed(1)} s, ${mismatches} mismatches`,
  );

  const big = new CedarGenerator(random(7)).bundle(2000);
  const rewritten = rewrittenCopy(big);
  started = performance.now();
  const equivalence = await compareBundles(GOVERNANCE_SCHEMA, big, rewritten, { timeoutMs: 120_000 });
  console.log(
    `2,000 generated policies vs a rewritten copy: ${equivalence.verdict} in ${(ms(started) / 1000).toFixed(1)} s`,
  );

  const requests = Array.from({ length: 100_000 }, () => generate.request());
  started = performance.now();
  const parsed = new PreparsedPolicies(GOVERNANCE_SCHEMA, STARTER, 'bench:replay');
  for (const request of requests) parsed.decide(request);
  const inline = ms(started);
  started = performance.now();
  await replayAll(GOVERNANCE_SCHEMA, STARTER, requests);
  console.log(
    `replaying 100,000 recorded requests through the starter bundle: ${(ms(started) / 1000).toFixed(1)} s on ${Math.min(availableParallelism(), 4)} threads (one thread: ${(inline / 1000).toFixed(1)} s)`,
  );
  await stopZ3();
}
