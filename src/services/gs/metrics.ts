import client from 'prom-client';
import type { ServiceMetrics } from '../../platform/metrics.js';
import type { ModelUsageListener } from '../../platform/llm/openai-chat-model.js';
import { ENGINES } from './run-store.js';

export interface SynthesisMetrics {
  finished(engine: string, outcome: 'awaiting_approval' | 'active' | 'failed' | 'superseded'): void;
  attempts(engine: string, count: number): void;
  /** A question gs asked the verifier (the fv engine), for acgs_service_calls_total{source="gs",target="fv"}. */
  serviceCalls(ok: boolean): void;
  modelUsage: ModelUsageListener;
}

/**
 * `acgs_gs_synthesis_total{engine,outcome}`, `acgs_gs_attempts{engine}` (replies per principle until verified or
 * given up), `acgs_gs_llm_tokens_total{kind}` and `acgs_gs_llm_request_duration_seconds{outcome}`.
 */
export function createSynthesisMetrics(metrics: ServiceMetrics): SynthesisMetrics {
  const registers = [metrics.registry];
  const runs = new client.Counter({
    name: 'acgs_gs_synthesis_total',
    help: 'Synthesis runs finished, by engine and outcome (awaiting_approval, active: nothing new, failed)',
    labelNames: ['engine', 'outcome'] as const,
    registers,
  });
  for (const engine of ENGINES)
    for (const outcome of ['awaiting_approval', 'active', 'failed', 'superseded']) runs.inc({ engine, outcome }, 0);
  const attempts = new client.Histogram({
    name: 'acgs_gs_attempts',
    help: 'Replies (LLM) or compilations per principle until verified or given up',
    labelNames: ['engine'] as const,
    buckets: [1, 2, 3, 5, 10],
    registers,
  });
  const tokens = new client.Counter({
    name: 'acgs_gs_llm_tokens_total',
    help: 'Tokens the LLM reported, by kind (prompt, completion)',
    labelNames: ['kind'] as const,
    registers,
  });
  for (const kind of ['prompt', 'completion']) tokens.inc({ kind }, 0);
  const duration = new client.Histogram({
    name: 'acgs_gs_llm_request_duration_seconds',
    help: 'Time per LLM chat-completions request, retries included, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  });
  for (const status of ['ok', 'error']) metrics.serviceCalls.inc({ source: 'gs', target: 'fv', status }, 0);
  return {
    finished: (engine, outcome) => runs.inc({ engine, outcome }),
    attempts: (engine, count) => attempts.observe({ engine }, count),
    serviceCalls: (ok) => metrics.serviceCalls.inc({ source: 'gs', target: 'fv', status: ok ? 'ok' : 'error' }),
    modelUsage: (usage) => {
      tokens.inc({ kind: 'prompt' }, usage.promptTokens);
      tokens.inc({ kind: 'completion' }, usage.completionTokens);
      duration.observe({ outcome: usage.ok ? 'ok' : 'error' }, usage.seconds);
    },
  };
}
