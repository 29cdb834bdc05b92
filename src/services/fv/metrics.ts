import client from 'prom-client';
import type { SolverPool, WorkerState } from '../../platform/solver/pool.js';
import { JOB_KINDS } from './job-store.js';

export interface VerifierMetrics {
  jobs: client.Counter<'kind' | 'verdict'>;
  duration: client.Histogram<'kind'>;
  mismatches: client.Counter;
}

export function createVerifierMetrics(registry: client.Registry): VerifierMetrics {
  const jobs = new client.Counter({
    name: 'acgs_fv_jobs_total',
    help: 'Verification jobs finished, by kind and verdict (failed: no verdict, see the job error_code)',
    labelNames: ['kind', 'verdict'] as const,
    registers: [registry],
  });
  for (const kind of JOB_KINDS) for (const verdict of ['holds', 'violated', 'failed']) jobs.inc({ kind, verdict }, 0);
  return {
    jobs,
    duration: new client.Histogram({
      name: 'acgs_fv_job_duration_seconds',
      help: 'Time a verification job ran, by kind',
      labelNames: ['kind'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    mismatches: new client.Counter({
      name: 'acgs_fv_encoding_mismatches_total',
      help: 'Solver claims Cedar contradicted on replay (a verifier bug: the job failed with ENCODING_MISMATCH)',
      registers: [registry],
    }),
  };
}

/**
 * The solver pool's side: `acgs_fv_queries_total{result}` (every solver call, sat/unsat/unknown — unknown is a
 * timeout or resource limit), `acgs_fv_workers{state}` and `acgs_fv_workers_lost_total` (crashed, out of memory or
 * ended past their deadline). Returns the function that stops counting.
 */
export function registerSolverMetrics(registry: client.Registry, pool: SolverPool): () => void {
  const queries = new client.Counter({
    name: 'acgs_fv_queries_total',
    help: 'Solver calls by result (unknown: timeout or resource limit; the question is inconclusive)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  for (const result of ['sat', 'unsat', 'unknown']) queries.inc({ result }, 0);
  const lost = new client.Counter({
    name: 'acgs_fv_workers_lost_total',
    help: 'Solver worker threads that crashed, ran out of memory or passed a deadline, and were replaced',
    registers: [registry],
  });
  new client.Gauge({
    name: 'acgs_fv_workers',
    help: 'Solver worker threads by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      for (const [state, count] of Object.entries(pool.states())) this.set({ state: state as WorkerState }, count);
    },
  });
  return pool.listen({ onCheck: (result) => queries.inc({ result }), onWorkerLost: () => lost.inc() });
}

/** `acgs_fv_bundle_conforms`: 1 when the bundle in force conforms to the constitution in force, 0 when it does not. */
export function registerConformanceGauge(registry: client.Registry, conforms: () => number | null): void {
  new client.Gauge({
    name: 'acgs_fv_bundle_conforms',
    help: 'Whether the bundle in force conforms to the constitution in force (1), or not or undecided (0); absent until checked',
    registers: [registry],
    collect() {
      const value = conforms();
      this.reset();
      if (value !== null) this.set(value);
    },
  });
}
