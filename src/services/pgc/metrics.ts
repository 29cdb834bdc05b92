import client from 'prom-client';
import { FAIL_CLOSED_CODES } from '../../domain/enforcement/decide.js';
import { countersByLabel } from '../../platform/metrics.js';
import { BUNDLE_LOAD_FAILURES, type ActiveBundle } from './enforcement/active-bundle.js';

export interface EnforcerMetrics {
  decisions: client.Counter<'decision' | 'action'>;
  failClosed: client.Counter<'reason'>;
  denialsByPrinciple: client.Counter<'principle'>;
  duration: client.Histogram;
  detectors: client.Histogram<'detector'>;
  logBatchRows: client.Histogram;
  logWriteDuration: client.Histogram;
  cedarFaults: client.Counter<'runtime'>;
}

export function createEnforcerMetrics(registry: client.Registry): EnforcerMetrics {
  return {
    cedarFaults: countersByLabel(registry, {
      name: 'acgs_cedar_instance_faults_total',
      help: 'cedar-wasm instances that trapped (or overflowed the stack mid-call) and were replaced, by runtime: enforcement decides the bundle in force, tools parses and checks Cedar from outside',
      label: 'runtime',
      values: ['enforcement', 'tools'],
    }),
    decisions: new client.Counter({
      name: 'acgs_pgc_decisions_total',
      help: 'Enforcement decisions',
      labelNames: ['decision', 'action'] as const,
      registers: [registry],
    }),
    failClosed: countersByLabel(registry, {
      name: 'acgs_pgc_fail_closed_total',
      help: 'Decisions denied because enforcement could not decide (no verified bundle, classifier down, policy error), by reason',
      label: 'reason',
      values: FAIL_CLOSED_CODES,
    }),
    duration: new client.Histogram({
      name: 'acgs_pgc_decision_duration_seconds',
      help: 'Time to decide (detectors + policy evaluation), excluding logging',
      buckets: [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
      registers: [registry],
    }),
    denialsByPrinciple: new client.Counter({
      name: 'acgs_pgc_denials_by_principle_total',
      help: 'Denied decisions by the constitutional principle of a deciding policy (a decision with several counts once for each)',
      labelNames: ['principle'] as const,
      registers: [registry],
    }),
    detectors: new client.Histogram({
      name: 'acgs_pgc_detector_duration_seconds',
      help: 'Time each detector took on request content',
      labelNames: ['detector'] as const,
      buckets: [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005],
      registers: [registry],
    }),
    // Group commit's shape under load: how many decisions share a transaction, and how long one takes to commit.
    logBatchRows: new client.Histogram({
      name: 'acgs_pgc_decision_log_batch_rows',
      help: 'Decisions written per decision log transaction',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [registry],
    }),
    logWriteDuration: new client.Histogram({
      name: 'acgs_pgc_decision_log_write_seconds',
      help: 'Time of one decision log transaction, BEGIN to COMMIT (decisions, audit leaves and tree nodes)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
  };
}

/** Bundles refused, by reason; the last good bundle stays in force meanwhile. */
export function createBundleLoadFailures(registry: client.Registry): client.Counter<'reason'> {
  return countersByLabel(registry, {
    name: 'acgs_pgc_bundle_load_failures_total',
    help: 'Bundles refused, by reason (signature, not in the audit log, bad proof or tree head, invalid policies); the last good one stays in force',
    label: 'reason',
    values: BUNDLE_LOAD_FAILURES,
  });
}

/** What this instance enforces, read at scrape time; compared with integrity's acgs_bundle_active_version. */
export function registerBundleGauges(registry: client.Registry, active: ActiveBundle): void {
  new client.Gauge({
    name: 'acgs_pgc_bundle_info',
    help: 'The bundle in force (value 1), by hash',
    labelNames: ['bundle_hash', 'constitution_hash', 'version'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const engine = active.engine;
      if (engine !== null)
        this.set(
          {
            bundle_hash: engine.bundleHash,
            constitution_hash: engine.bundle.constitution_hash,
            version: String(engine.bundle.version),
          },
          1,
        );
    },
  });
  new client.Gauge({
    name: 'acgs_pgc_bundle_version',
    help: 'Version of the bundle in force (0: none); behind acgs_bundle_active_version means this instance is stale or refused the new bundle',
    registers: [registry],
    collect() {
      this.set(active.engine?.bundle.version ?? 0);
    },
  });
}

/** Which evaluator decided, and disagreements the run-time check found (each switches the instance to cedar-wasm). */
export function createEvaluatorMetrics(registry: client.Registry): {
  evaluations: client.Counter<'evaluator'>;
  mismatches: client.Counter;
} {
  return {
    evaluations: countersByLabel(registry, {
      name: 'acgs_pgc_evaluations_total',
      help: 'Policy evaluations by evaluator: compiled (closures) or cedar (cedar-wasm: policies or requests the compiled form does not cover, ACGS_EVALUATOR=cedar, or after a mismatch)',
      label: 'evaluator',
      values: ['compiled', 'cedar'],
    }),
    mismatches: new client.Counter({
      name: 'acgs_pgc_evaluator_mismatches_total',
      help: 'Sampled compiled decisions that cedar-wasm decided differently; each switches the instance to cedar-wasm until restart',
      registers: [registry],
    }),
  };
}

/** 1 while compiled policies decide, 0 once cedar-wasm alone does. */
export function registerEvaluatorGauge(registry: client.Registry, active: { compiledInUse: boolean }): void {
  new client.Gauge({
    name: 'acgs_pgc_evaluator_compiled',
    help: 'Whether this instance decides with compiled policies (1) or with cedar-wasm alone (0: configured so, or after a mismatch)',
    registers: [registry],
    collect() {
      this.set(active.compiledInUse ? 1 : 0);
    },
  });
}
