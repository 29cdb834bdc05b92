import type { FastifyBaseLogger } from 'fastify';
import type { RunStore, SynthesisRun } from './run-store.js';
import type { Synthesiser } from './synthesiser.js';

/** How long the runner waits before trying the database again. */
const RETRY_MS = 5000;

/**
 * Works queued synthesis runs one at a time, oldest first, from the database: runs survive a restart (left mid-way →
 * queued again) and instances sharing a database split the queue. A run whose database went away mid-way is queued
 * again once it is back; the process never dies of it.
 */
export class SynthesisRunner {
  private draining: Promise<void> | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private interrupted: string | null = null;
  private readonly finished = new Set<(run: SynthesisRun) => void>();

  constructor(
    private readonly store: RunStore,
    private readonly synthesiser: Synthesiser,
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(): Promise<void> {
    const requeued = await this.store.requeueAbandoned();
    if (requeued > 0) this.log.info({ requeued }, 'synthesis runs left mid-way were queued again');
    this.kick();
  }

  kick(): void {
    if (this.stopped || this.draining !== null) return;
    this.draining = this.drain()
      .catch((error: unknown) => {
        this.log.warn({ err: error }, `synthesis runner lost the database; trying again in ${RETRY_MS} ms`);
        this.retry = setTimeout(() => {
          this.retry = null;
          this.kick();
        }, RETRY_MS);
      })
      .finally(() => {
        this.draining = null;
      });
  }

  /** Calls `listener` with each run this runner finishes (tests and the demo wait on it); returns the unsubscribe. */
  onFinished(listener: (run: SynthesisRun) => void): () => void {
    this.finished.add(listener);
    return () => this.finished.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry !== null) clearTimeout(this.retry);
    await this.draining;
  }

  private async drain(): Promise<void> {
    if (this.interrupted !== null) {
      await this.store.requeue(this.interrupted);
      this.interrupted = null;
    }
    while (!this.stopped) {
      const run = await this.store.claimNext();
      if (run === null) return;
      this.interrupted = run.id;
      await this.synthesiser.run(run);
      this.interrupted = null;
      const done = await this.store.get(run.id);
      for (const listener of this.finished) listener(done);
    }
  }
}
