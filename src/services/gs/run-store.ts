import { randomUUID } from 'node:crypto';
import type { PrincipleContent } from '../../domain/constitution/types.js';
import { NotFoundError } from '../../domain/errors.js';
import { createdAtIdCursor, keysetPage, type CreatedAtId, type Page } from '../../domain/pagination.js';
import type { Attempt } from '../../domain/synthesis/model-synthesis.js';
import { PROMPT_STRATEGIES, type PromptStrategy, type StrategyRecord } from '../../domain/synthesis/strategies.js';
import { isoOrNull } from '../../platform/http/iso-time.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { TableQueue } from '../../platform/db/queue-drain.js';
import type { AuditLog } from '../../platform/audit/log.js';
import { ChangeSetStore } from '../integrity/change-set-store.js';
import { PolicyStore } from '../integrity/policy-store.js';
import { currentTraceparent } from '../../platform/tracing.js';

export const ENGINES = ['compiler', 'llm'] as const;
export type Engine = (typeof ENGINES)[number];
export const RUN_STATUSES = [
  'queued',
  'synthesising',
  'verifying',
  'awaiting_approval',
  'active',
  'failed',
  'superseded',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface SubmittedPolicy {
  policy_id: string;
  version: number;
}

export interface SynthesisRun {
  id: string;
  engine: Engine;
  status: RunStatus;
  principle_keys: string[];
  principles: PrincipleContent[];
  constitution_version: number | null;
  constitution_hash: string | null;
  amendment_id: string | null;
  triggered_by_version: number | null;
  reason: string | null;
  report: Record<string, unknown> | null;
  policies: SubmittedPolicy[];
  /** Active policies the run's change set takes out of force (their principles were repealed or changed). */
  revocations_proposed: string[];
  /** The change set the run proposed: approving and activating it puts the run's policies in force. */
  change_set_id: number | null;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface StoredAttempt {
  principle_key: string;
  attempt: number;
  strategy: PromptStrategy;
  prompt_hash: string;
  model: string;
  temperature: number;
  seed: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  latency_ms: number;
  output: string;
  diagnostics: unknown[];
  verdict: Attempt['verdict'];
  created_at: string;
}

/** A run as the runner claims it: with the trace context of the request that queued it, which no view shows. */
export interface ClaimedRun extends SynthesisRun {
  traceparent: string | null;
}

interface RunRow extends Omit<SynthesisRun, 'created_at' | 'started_at' | 'finished_at'> {
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  traceparent: string | null;
}

const toRun = ({ traceparent: _traceparent, ...row }: RunRow): SynthesisRun => ({
  ...row,
  change_set_id: row.change_set_id === null ? null : Number(row.change_set_id),
  created_at: row.created_at.toISOString(),
  started_at: isoOrNull(row.started_at),
  finished_at: isoOrNull(row.finished_at),
});

/** How a run ended: its change set awaiting approval, already in force, failed (with why) or superseded. */
export interface RunOutcome {
  status: 'awaiting_approval' | 'active' | 'failed' | 'superseded';
  reason: string | null;
  report: Record<string, unknown>;
  policies: SubmittedPolicy[];
  /** Added to what the run was created proposing. */
  revocations: string[];
  changeSetId: number | null;
}

export interface NewRun {
  engine: Engine;
  principles: PrincipleContent[];
  constitution: { version: number; hash: string } | null;
  amendmentId?: string | null;
  triggeredByVersion?: number | null;
  revocations?: string[];
  createdBy: string | null;
  /** The request the run links to, when not the one in force (the governance loop's: the version's enactment). */
  traceparent?: string | null;
}

/** Synthesis runs and their attempts: queued by the API or the governance loop, worked by the runner. */
export class RunStore {
  private readonly queue: TableQueue<RunRow>;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditLog,
  ) {
    this.queue = new TableQueue(db, 'synthesis_runs', ['synthesising', 'verifying']);
  }

  /** Queues a run; a loop run for a constitution version that already has one returns null (another instance won). */
  create(run: NewRun): Promise<SynthesisRun | null> {
    return this.db.transaction((tx) => this.createIn(tx, run));
  }

  private async createIn(q: Queryable, run: NewRun): Promise<SynthesisRun | null> {
    const rows = await q.query<RunRow>(
      `INSERT INTO synthesis_runs (id, engine, status, principle_keys, principles, constitution_version, constitution_hash,
                                   amendment_id, triggered_by_version, created_by, revocations_proposed, traceparent)
       VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (triggered_by_version) WHERE triggered_by_version IS NOT NULL DO NOTHING RETURNING *`,
      [
        randomUUID(),
        run.engine,
        run.principles.map((principle) => principle.key),
        JSON.stringify(run.principles),
        run.constitution?.version ?? null,
        run.constitution?.hash ?? null,
        run.amendmentId ?? null,
        run.triggeredByVersion ?? null,
        run.createdBy,
        run.revocations ?? [],
        // The request queuing it, when there is one in a recorded span, unless the caller names another.
        run.traceparent === undefined ? currentTraceparent() : run.traceparent,
      ],
    );
    if (rows[0] === undefined) return null;
    const created = toRun(rows[0]);
    await this.audit.record(
      {
        userId: run.createdBy,
        action: 'synthesis.queued',
        resource: `synthesis:${created.id}`,
        details: {
          engine: created.engine,
          principles: created.principle_keys,
          amendment_id: created.amendment_id,
          constitution_hash: created.constitution_hash,
        },
      },
      q,
    );
    return created;
  }

  async get(id: string): Promise<SynthesisRun> {
    const row = (await this.db.query<RunRow>('SELECT * FROM synthesis_runs WHERE id = $1', [id]))[0];
    if (row === undefined) throw new NotFoundError('No synthesis run with this id', 'SYNTHESIS_RUN_NOT_FOUND');
    return toRun(row);
  }

  async hasLoopRun(version: number): Promise<boolean> {
    const rows = await this.db.query('SELECT 1 FROM synthesis_runs WHERE triggered_by_version = $1', [version]);
    return rows.length > 0;
  }

  list(filter: {
    status?: RunStatus;
    engine?: Engine;
    after?: CreatedAtId;
    limit: number;
  }): Promise<Page<SynthesisRun>> {
    return keysetPage(
      filter.limit,
      async (rows) =>
        (
          await this.db.query<RunRow>(
            `SELECT * FROM synthesis_runs
              WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR engine = $2)
                AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
              ORDER BY created_at DESC, id DESC LIMIT $5`,
            [
              filter.status ?? null,
              filter.engine ?? null,
              filter.after?.createdAt ?? null,
              filter.after?.id ?? null,
              rows,
            ],
          )
        ).map(toRun),
      (last) => createdAtIdCursor.encode(last.created_at, last.id),
    );
  }

  /** Takes the oldest queued run; instances sharing a database never take the same one. */
  async claimNext(): Promise<ClaimedRun | null> {
    const row = await this.queue.claimNext();
    return row === null ? null : { ...toRun(row), traceparent: row.traceparent };
  }

  async stage(id: string, status: 'synthesising' | 'verifying'): Promise<void> {
    await this.db.query(`UPDATE synthesis_runs SET status = $2 WHERE id = $1`, [id, status]);
  }

  /** Runs left mid-way by a process that stopped: queued again, to be run from the start (attempts are kept). */
  requeueAbandoned(): Promise<number> {
    return this.queue.requeueAbandoned();
  }

  requeue(id: string): Promise<void> {
    return this.queue.requeue(id);
  }

  async recordAttempt(runId: string, principleKey: string, attempt: Attempt): Promise<void> {
    await this.db.query(
      `INSERT INTO synthesis_attempts (run_id, principle_key, attempt, prompt_hash, model, temperature, seed, prompt_tokens,
                                       completion_tokens, latency_ms, output, diagnostics, verdict, strategy)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (run_id, principle_key, attempt) DO UPDATE SET
         prompt_hash = EXCLUDED.prompt_hash, output = EXCLUDED.output, diagnostics = EXCLUDED.diagnostics,
         verdict = EXCLUDED.verdict, prompt_tokens = EXCLUDED.prompt_tokens,
         completion_tokens = EXCLUDED.completion_tokens, latency_ms = EXCLUDED.latency_ms`,
      [
        runId,
        principleKey,
        attempt.attempt,
        attempt.promptHash,
        attempt.model,
        attempt.temperature,
        attempt.seed,
        attempt.promptTokens,
        attempt.completionTokens,
        Math.round(attempt.latencyMs),
        attempt.output,
        JSON.stringify(attempt.diagnostics),
        attempt.verdict,
        attempt.strategy,
      ],
    );
  }

  async attempts(runId: string): Promise<StoredAttempt[]> {
    const rows = await this.db.query<Omit<StoredAttempt, 'created_at'> & { created_at: Date }>(
      `SELECT principle_key, attempt, strategy, prompt_hash, model, temperature, seed, prompt_tokens, completion_tokens, latency_ms,
              output, diagnostics, verdict, created_at
         FROM synthesis_attempts WHERE run_id = $1 ORDER BY principle_key, attempt`,
      [runId],
    );
    return rows.map((row) => ({
      ...row,
      temperature: Number(row.temperature),
      created_at: row.created_at.toISOString(),
    }));
  }

  /**
   * How each prompt strategy's first replies went. A first reply the model never gave (it could not be reached)
   * says nothing about the strategy and is not counted.
   */
  async strategyRecords(): Promise<StrategyRecord[]> {
    const rows = await this.db.query<{
      strategy: PromptStrategy;
      trials: number;
      valid: number;
      verified: number;
    }>(
      `SELECT strategy, count(*)::int AS trials,
              count(*) FILTER (WHERE verdict <> 'invalid')::int AS valid,
              count(*) FILTER (WHERE verdict = 'verified')::int AS verified
         FROM synthesis_attempts WHERE attempt = 1 AND verdict <> 'model_error' GROUP BY strategy`,
    );
    return PROMPT_STRATEGIES.map((strategy) => {
      const row = rows.find((candidate) => candidate.strategy === strategy);
      return { strategy, trials: row?.trials ?? 0, firstValid: row?.valid ?? 0, firstVerified: row?.verified ?? 0 };
    });
  }

  /** Ends a run: awaiting approval of the policies it submitted, already active, or failed with its reason. */
  finish(id: string, outcome: RunOutcome): Promise<void> {
    return this.db.transaction((tx) => this.finishIn(tx, id, outcome));
  }

  private async finishIn(q: Queryable, id: string, outcome: RunOutcome): Promise<void> {
    const rows = await q.query<{ created_by: string | null }>(
      `UPDATE synthesis_runs SET status = $2, reason = $3, report = $4, policies = $5, finished_at = now(),
              revocations_proposed = ARRAY(SELECT DISTINCT unnest(revocations_proposed || $6::text[]) ORDER BY 1),
              change_set_id = $7
        WHERE id = $1 RETURNING created_by`,
      [
        id,
        outcome.status,
        outcome.reason,
        JSON.stringify(outcome.report),
        JSON.stringify(outcome.policies),
        outcome.revocations,
        outcome.changeSetId,
      ],
    );
    await this.audit.record(
      {
        userId: rows[0]?.created_by ?? null,
        action: 'synthesis.finished',
        resource: `synthesis:${id}`,
        details: {
          status: outcome.status,
          reason: outcome.reason,
          policies: outcome.policies,
          revocations_proposed: outcome.revocations,
          change_set: outcome.changeSetId,
        },
      },
      q,
    );
  }

  /** A run awaiting approval becomes active once its change set is in force (or, for runs before change sets, once
   * every policy version it submitted is in force and every policy it proposed to revoke is out of force). */
  async settle(run: SynthesisRun): Promise<SynthesisRun> {
    if (run.status !== 'awaiting_approval') return run;
    const settled =
      run.change_set_id !== null
        ? (await new ChangeSetStore().get(this.db, run.change_set_id)).status === 'active'
        : await PolicyStore.settled(this.db, run.policies, run.revocations_proposed);
    if (!settled) return run;
    await this.db.query(`UPDATE synthesis_runs SET status = 'active' WHERE id = $1 AND status = 'awaiting_approval'`, [
      run.id,
    ]);
    return { ...run, status: 'active' };
  }
}
