import client from 'prom-client';
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
