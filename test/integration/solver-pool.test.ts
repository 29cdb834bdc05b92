import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GOVERNANCE_SCHEMA } from '../../src/domain/policy/governance-schema.js';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import { STARTER_PRINCIPLES } from '../../src/domain/constitution/starter.js';
import { EncodingMismatch, type NeverQuestion } from '../../src/domain/verify/questions.js';
import type { ExportedQuery } from '../../src/domain/verify/smtlib.js';
import { SolverPool, SolverUnavailable } from '../../src/platform/solver/pool.js';

const STARTER = Object.entries(starterPolicies()).map(([id, text]) => ({ id, text }));
const CARD_TO_EXTERNAL = 'action == Action::"send_external" && context.pii.contains("payment_card")';
const FAULTY = new URL('../support/faulty-solver-worker.ts', import.meta.url);
const fault = (name: string): NeverQuestion[] => [{ condition: `context.tool == "${name}"`, decision: 'allow' }];
const holds = async (pool: SolverPool) =>
  (
    await pool.run('neverDecidesEach', GOVERNANCE_SCHEMA, STARTER, [{ condition: CARD_TO_EXTERNAL, decision: 'allow' }])
  )[0]!.verdict;

describe('solver pool: questions in worker threads, recovering from crashes, memory exhaustion and hangs', () => {
  let pool: SolverPool;
  const lost: string[] = [];
  const checks: string[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'acgs-pool-'));

  before(async () => {
    pool = new SolverPool({ workers: 1, rlimit: 20_000_000, taskTimeoutMs: 4000, maxHeapMb: 96, workerUrl: FAULTY });
    pool.listen({ onWorkerLost: (reason) => lost.push(reason), onCheck: (result) => checks.push(result) });
    await pool.start();
  });
  after(async () => {
    await pool.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('answers as the domain does, passing queries and check results back', async () => {
    const queries: ExportedQuery[] = [];
    const [answer] = await pool.run(
      'neverDecidesEach',
      GOVERNANCE_SCHEMA,
      STARTER.filter((policy) => policy.id !== 'no-pii-to-external-channels.1'),
      [{ condition: CARD_TO_EXTERNAL, decision: 'allow' }],
      { onQuery: (query) => queries.push(query) },
    );
    assert.equal(answer!.verdict, 'violated');
    assert.equal(answer!.counterexamples[0]!.replayed.decision, 'allow');
    assert.ok(queries.length >= 2 && queries.every((query) => query.smtlib.includes('(check-sat)')));
    assert.deepEqual(
      checks.slice(-queries.length),
      queries.map((query) => query.result),
    );
    assert.deepEqual(pool.states(), { starting: 0, idle: 1, busy: 0 });
  });

  it('a conformance report runs whole in the worker; a resource limit of 1 makes it inconclusive, not a guess', async () => {
    assert.equal(
      (await pool.run('checkConformance', GOVERNANCE_SCHEMA, STARTER, STARTER_PRINCIPLES, {})).verdict,
      'holds',
    );
    const starved = await pool.run('checkConformance', GOVERNANCE_SCHEMA, STARTER, STARTER_PRINCIPLES, { rlimit: 1 });
    assert.equal(starved.verdict, 'inconclusive');
    assert.match(starved.constraints[0]!.detail!, /gave up/);
  });

  it('a worker that crashes once is replaced and the question retried on the new one', async () => {
    const before = lost.length;
    const [answer] = await pool.run(
      'neverDecidesEach',
      GOVERNANCE_SCHEMA,
      STARTER,
      fault(`crash-once:${join(scratch, 'crashed')}`),
    );
    assert.equal(answer!.verdict, 'violated', 'answered by the replacement worker');
    assert.equal(lost.length, before + 1);
    assert.match(lost.at(-1)!, /code 70/);
  });

  for (const [kind, reason] of [
    ['crash', /code 71/],
    ['throw-uncaught', /an uncaught error in the solver thread/],
    ['exhaust-memory', /ERR_WORKER_OUT_OF_MEMORY|out of memory/i],
  ] as const)
    it(`a question whose worker dies twice (${kind}) is SolverUnavailable, and the pool goes on answering`, async () => {
      const before = lost.length;
      await assert.rejects(pool.run('neverDecidesEach', GOVERNANCE_SCHEMA, STARTER, fault(kind)), (error: unknown) => {
        assert.ok(error instanceof SolverUnavailable, String(error));
        assert.match(error.message, /failed twice/);
        assert.match(error.message, reason);
        return true;
      });
      assert.equal(lost.length, before + 2);
      assert.equal(await holds(pool), 'holds');
    });

  it('a question past its deadline ends its worker and is not retried', async () => {
    const before = lost.length;
    const started = performance.now();
    const hung = pool.run('neverDecidesEach', GOVERNANCE_SCHEMA, STARTER, fault('hang'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(pool.states().busy, 1);
    await assert.rejects(
      hung,
      (error: unknown) => error instanceof SolverUnavailable && /longer than 4000 ms/.test(error.message),
    );
    assert.ok(performance.now() - started < 8000);
    assert.equal(await holds(pool), 'holds');
    assert.equal(lost.length, before + 1);
  });

  it('a worker silent past silenceMs is taken for stuck: ended, its question retried once, then SolverUnavailable', async () => {
    const watched = new SolverPool({
      workers: 1,
      rlimit: 20_000_000,
      taskTimeoutMs: 60_000,
      silenceMs: 1500,
      workerUrl: FAULTY,
    });
    const reasons: string[] = [];
    watched.listen({ onWorkerLost: (reason) => reasons.push(reason) });
    await watched.start();
    try {
      const started = performance.now();
      await assert.rejects(
        watched.run('neverDecidesEach', GOVERNANCE_SCHEMA, STARTER, fault('hang')),
        (error: unknown) => {
          assert.ok(error instanceof SolverUnavailable);
          assert.match(error.message, /failed twice on this question \(no solver call finished for 1500 ms\)/);
          return true;
        },
      );
      assert.ok(performance.now() - started < 20_000, 'two silences, not the task deadline');
      assert.equal(reasons.length, 2);
      assert.equal(await holds(watched), 'holds', 'a question that makes solver calls is not cut short');
    } finally {
      await watched.close();
    }
  });

  it('an encoding mismatch crosses the thread as one, with the request to reproduce it', async () => {
    await assert.rejects(
      pool.run('neverDecidesEach', GOVERNANCE_SCHEMA, STARTER, fault('mismatch')),
      (error: unknown) => {
        assert.ok(error instanceof EncodingMismatch);
        assert.equal(error.request.action, 'query');
        return true;
      },
    );
  });

  it('workers that cannot start fail the pool at start instead of being replaced forever', async () => {
    const broken = new SolverPool({
      workers: 1,
      rlimit: 1000,
      taskTimeoutMs: 1000,
      workerUrl: new URL('../support/no-such-worker.ts', import.meta.url),
    });
    await assert.rejects(broken.start(), SolverUnavailable);
    await assert.rejects(holds(broken), /cannot start/);
    await broken.close();
  });
});
