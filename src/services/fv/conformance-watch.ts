import type { FastifyBaseLogger } from 'fastify';
import type { HealthContributor } from '../../platform/http/health.js';
import type { Queryable } from '../../platform/db/database.js';
import type { ConstitutionReader } from '../integrity/ports.js';
import { readGovernanceState, type GovernanceStateView } from '../integrity/governance-state.js';
import { firstProblem, type ConformanceReport } from '../../domain/verify/conformance.js';
import type { JobStore, VerificationJob } from './job-store.js';
import type { JobRunner } from './runner.js';

interface Ref {
  version: number;
  hash: string;
}

const pick = ({ version, hash }: Ref): Ref => ({ version, hash });

/** What the watch knows about the bundle in force against the constitution in force. */
export type ConformanceState =
  | { kind: 'nothing-to-check'; reason: string }
  | { kind: 'checking'; bundle: Ref; constitution: Ref; jobId: string }
  | { kind: 'checked'; bundle: Ref; constitution: Ref; job: VerificationJob };

/**
 * Re-verifies the bundle in force whenever it or the constitution in force changes (an activation, an enacted
 * amendment): a bundle job against the constitution in force, stored and audited like any other, reused when this
 * pair was already checked (by another instance, or before a restart). /health reports a bundle that does not
 * conform; `acgs_fv_bundle_conforms` lets an alert say so.
 */
export class ConformanceWatch {
  private state: ConformanceState = { kind: 'nothing-to-check', reason: 'not checked yet' };
  /** Enacted vs enforced, read on every tick: what stands between the constitution in force and the bundle. */
  private governance: GovernanceStateView | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Queryable,
    private readonly constitutions: ConstitutionReader,
    private readonly jobs: JobStore,
    private readonly runner: JobRunner,
    private readonly log: FastifyBaseLogger,
    private readonly intervalMs = 2000,
  ) {}

  start(): void {
    const tick = () => {
      this.running ??= this.check()
        .catch((error: unknown) => this.log.warn({ err: error }, 'conformance watch could not check'))
        .finally(() => {
          this.running = null;
        });
      this.timer = setTimeout(tick, this.intervalMs);
    };
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  current(): ConformanceState {
    return this.state;
  }

  /** 1 when the bundle in force conforms, 0 when it does not or could not be decided, null when nothing is known. */
  conforms(): number | null {
    if (this.state.kind !== 'checked') return null;
    return this.state.job.status === 'done' && this.state.job.verdict === 'holds' ? 1 : 0;
  }

  /** What stands between the constitution in force and the bundle, when something does; null when it is enforced. */
  pending(): GovernanceStateView | null {
    return this.governance === null || this.governance.state === 'enforced' ? null : this.governance;
  }

  readonly health: HealthContributor = () => {
    const state = this.state;
    if (state.kind === 'nothing-to-check')
      return { name: 'bundle_conformance', backend: 'none', status: 'up', error: state.reason };
    const pending = this.pending();
    const backend = `bundle v${state.bundle.version}, constitution v${state.constitution.version}${
      pending === null ? '' : ` (${pending.reason})`
    }`;
    if (state.kind === 'checking')
      return { name: 'bundle_conformance', backend: `${backend} (verifying)`, status: 'up' };
    const { job } = state;
    if (job.status === 'done' && job.verdict === 'holds') return { name: 'bundle_conformance', backend, status: 'up' };
    const report = job.report as { conformance?: ConformanceReport } | null;
    const finding = report?.conformance === undefined ? null : firstProblem(report.conformance);
    return {
      name: 'bundle_conformance',
      backend,
      status: 'down',
      error:
        job.status === 'failed'
          ? `the check failed (${job.error_code}): job ${job.id}`
          : `the bundle in force is ${job.verdict} against constitution v${state.constitution.version}${
              finding === null ? '' : `: ${finding}`
            } (job ${job.id})${pending === null ? '' : `; ${pending.reason}`}`,
    };
  };

  private async check(): Promise<void> {
    // One read gives both what is in force and what stands between them.
    this.governance = await readGovernanceState(this.db, this.constitutions);
    const bundle = this.governance.bundle === null ? null : pick(this.governance.bundle);
    const constitution = this.governance.constitution === null ? null : pick(this.governance.constitution);
    if (bundle === null || constitution === null) {
      this.state = {
        kind: 'nothing-to-check',
        reason: bundle === null ? 'no bundle is active' : 'no constitution is in force',
      };
      return;
    }
    const state = this.state;
    if (
      state.kind !== 'nothing-to-check' &&
      state.bundle.hash === bundle.hash &&
      state.constitution.hash === constitution.hash
    )
      return;
    let job = await this.jobs.latestConformanceCheck(bundle.hash, constitution.hash);
    if (job === null) {
      job = await this.jobs.create(
        'bundle',
        {
          bundle_version: bundle.version,
          constitution: 'in_force',
          bundle_hash: bundle.hash,
          constitution_hash: constitution.hash,
        },
        null,
      );
      this.log.info(
        { job: job.id, bundle: bundle.version, constitution: constitution.version },
        're-verifying the bundle in force',
      );
      this.runner.kick();
    }
    if (job.status === 'queued' || job.status === 'running') {
      this.state = { kind: 'checking', bundle, constitution, jobId: job.id };
      // Stopping the runner answers this wait at once; a stopped watch then leaves its state alone.
      const finished = await this.runner.waitFor(job.id, 600);
      if (this.timer === null) return;
      job = finished ?? (await this.jobs.get(job.id));
    }
    this.state =
      job.status === 'queued' || job.status === 'running'
        ? { kind: 'checking', bundle, constitution, jobId: job.id }
        : { kind: 'checked', bundle, constitution, job };
  }
}
