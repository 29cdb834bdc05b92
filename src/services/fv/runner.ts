import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../../domain/errors.js';
import { EncodingMismatch } from '../../domain/verify/questions.js';
import { QueueDrain } from '../../platform/db/queue-drain.js';
import { inSpan, queuedWork } from '../../platform/tracing.js';
import type { ClaimedJob, JobStore, VerificationJob } from './job-store.js';
import type { VerifierMetrics } from './metrics.js';
import type { JobProgress, Verifier } from './verifier.js';

const PROGRESS_EVERY_MS = 1000;

interface Waiter {
  resolve: (job: VerificationJob | null) => void;
  timer: NodeJS.Timeout;
}

/**
 * Runs queued verification jobs one at a time (the solver serialises its checks anyway), in queue order, from the
 * database: jobs survive a restart (left running → queued again) and instances sharing a database split the queue.
 */
export class JobRunner {
  private stopped = false;
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly drain: QueueDrain<ClaimedJob>;

  constructor(
    private readonly store: JobStore,
    private readonly verifier: Verifier,
    private readonly metrics: VerifierMetrics,
    private readonly log: FastifyBaseLogger,
  ) {
    this.drain = new QueueDrain(
      store,
      async (job) => {
        // Each job is a trace of its own: it runs from the queue, long after (or far from) the request that asked.
        const finished = await inSpan(
          `acgs.verify ${job.kind}`,
          { ...queuedWork(job.traceparent), attributes: { 'acgs.job.id': job.id, 'acgs.job.kind': job.kind } },
          async (span) => {
            const done = await this.execute(job);
            span.setAttributes({
              'acgs.job.status': done.status,
              ...(done.verdict === null ? {} : { 'acgs.verify.verdict': done.verdict }),
              ...(done.bundle_hash === null ? {} : { 'acgs.bundle_hash': done.bundle_hash }),
              ...(done.progress === null ? {} : { 'acgs.verify.solver_calls': done.progress.solver_calls }),
            });
            return done;
          },
        );
        for (const waiter of this.waiters.get(job.id) ?? []) waiter.resolve(finished);
      },
      log,
      'verification runner',
    );
  }

  async start(): Promise<void> {
    const requeued = await this.store.requeueAbandoned();
    if (requeued > 0) this.log.info({ requeued }, 'verification jobs left running were queued again');
    this.kick();
  }

  /**
   * Makes sure the queue is being worked on. When the database goes away mid-job the job is left to run again: the
   * runner tries again after a pause, putting that job back in the queue first, and the process never dies of it.
   */
  kick(): void {
    this.drain.kick();
  }

  /**
   * The job once finished, if that happens within `seconds`; else null (it goes on running). Stopping the runner
   * answers every waiter null at once, so nothing waits on a runner that will not finish the job.
   */
  waitFor(id: string, seconds: number): Promise<VerificationJob | null> {
    if (seconds <= 0 || this.stopped) return Promise.resolve(null);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve: (job) => {
          clearTimeout(waiter.timer);
          const rest = (this.waiters.get(id) ?? []).filter((other) => other !== waiter);
          if (rest.length === 0) this.waiters.delete(id);
          else this.waiters.set(id, rest);
          resolve(job);
        },
        timer: setTimeout(() => waiter.resolve(null), seconds * 1000),
      };
      this.waiters.set(id, [...(this.waiters.get(id) ?? []), waiter]);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const waiters of [...this.waiters.values()]) for (const waiter of waiters) waiter.resolve(null);
    await this.drain.stop();
  }

  /**
   * Stores a running job's progress at most once a second: solver calls come by the hundred a second, and progress
   * is for a person polling the job. A failed write is dropped (the next one, or the job's end, supersedes it).
   */
  private progressWriter(id: string): { write: (progress: JobProgress) => void; latest: () => JobProgress | null } {
    let last = 0;
    let writing = false;
    let latest: JobProgress | null = null;
    const write = (progress: JobProgress) => {
      latest = progress;
      const now = performance.now();
      if (writing || now - last < PROGRESS_EVERY_MS) return;
      last = now;
      writing = true;
      void this.store
        .progress(id, progress)
        .catch((error: unknown) => this.log.debug({ err: error, job: id }, 'progress not stored'))
        .finally(() => {
          writing = false;
        });
    };
    return { write, latest: () => latest };
  }

  private async execute(job: VerificationJob): Promise<VerificationJob> {
    const started = performance.now();
    try {
      const progress = this.progressWriter(job.id);
      const outcome = await this.verifier.run(job.kind, job.request, { onProgress: progress.write });
      const finished = await this.store.finish(
        job,
        outcome.verdict,
        outcome.report,
        outcome.bundleHash,
        progress.latest(),
      );
      this.metrics.jobs.inc({ kind: job.kind, verdict: outcome.verdict });
      return finished;
    } catch (error) {
      // A lost database is no verdict on the job: it runs again once the database is back.
      if (error instanceof AppError && error.kind === 'unavailable') throw error;
      this.metrics.jobs.inc({ kind: job.kind, verdict: 'failed' });
      if (error instanceof EncodingMismatch) {
        this.metrics.mismatches.inc();
        this.log.error({ job: job.id, request: error.request, replayed: error.replayed }, error.message);
        return this.store.fail(job, 'ENCODING_MISMATCH', `${error.message}; request: ${JSON.stringify(error.request)}`);
      }
      this.log.error({ err: error, job: job.id }, 'verification job failed');
      return this.store.fail(job, 'VERIFIER_ERROR', (error as Error).message);
    } finally {
      this.metrics.duration.observe({ kind: job.kind }, (performance.now() - started) / 1000);
    }
  }
}
