import type { FastifyBaseLogger } from 'fastify';
import { QueueDrain } from '../../platform/db/queue-drain.js';
import { inSpan, queuedWork } from '../../platform/tracing.js';
import type { ClaimedRun, RunStore } from './run-store.js';
import type { Synthesiser } from './synthesiser.js';

/**
 * Works queued synthesis runs one at a time, oldest first, from the database: runs survive a restart (left mid-way →
 * queued again) and instances sharing a database split the queue. A run whose database went away mid-way is queued
 * again once it is back; a run that fails any other way ends `failed` with the reason, never retried forever.
 */
export class SynthesisRunner {
  private readonly drain: QueueDrain<ClaimedRun>;

  constructor(
    private readonly store: RunStore,
    synthesiser: Synthesiser,
    private readonly log: FastifyBaseLogger,
  ) {
    // Each run is a trace of its own, as a verification job is: it runs from the queue, not in a request; it links to
    // the request that queued it, if one did.
    this.drain = new QueueDrain(
      store,
      (run) =>
        inSpan(
          'acgs.synthesize',
          {
            ...queuedWork(run.traceparent),
            attributes: {
              'acgs.synthesis.run_id': run.id,
              'acgs.synthesis.engine': run.engine,
              'acgs.synthesis.principles': run.principle_keys,
              ...(run.triggered_by_version === null
                ? {}
                : { 'acgs.synthesis.constitution_version': run.triggered_by_version }),
            },
          },
          () => synthesiser.run(run),
        ),
      log,
      'synthesis runner',
    );
  }

  async start(): Promise<void> {
    const requeued = await this.store.requeueAbandoned();
    if (requeued > 0) this.log.info({ requeued }, 'synthesis runs left mid-way were queued again');
    this.kick();
  }

  kick(): void {
    this.drain.kick();
  }

  stop(): Promise<void> {
    return this.drain.stop();
  }
}
