import { randomUUID } from 'node:crypto';
import { canonicalSha256 } from '../../domain/canonical-json.js';
import { NotFoundError } from '../../domain/errors.js';
import { keysetPage, createdAtIdCursor, type CreatedAtId, type Page } from '../../domain/pagination.js';
import type { Verdict } from '../../domain/verify/questions.js';
import { isoOrNull } from '../../platform/http/iso-time.js';
import type { Database } from '../../platform/db/database.js';
import { TableQueue } from '../../platform/db/queue-drain.js';
import type { AuditLog } from '../../platform/audit/log.js';
import { currentTraceparent } from '../../platform/tracing.js';

export const JOB_KINDS = ['policy', 'bundle', 'impact', 'property', 'fairness', 'compare'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export const JOB_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface VerificationJob {
  id: string;
  kind: JobKind;
  status: JobStatus;
  verdict: Verdict | null;
  request: Record<string, unknown>;
  report: Record<string, unknown> | null;
  report_hash: string | null;
  bundle_hash: string | null;
  error_code: string | null;
  error: string | null;
  /** While running: the stage and the solver calls made so far (the last ones stored, at most a second old). */
  progress: { stage: string; solver_calls: number } | null;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** A job as the runner claims it: with the trace context of the request that asked for it, which no view shows. */
export interface ClaimedJob extends VerificationJob {
  traceparent: string | null;
}

interface JobRow extends Omit<VerificationJob, 'created_at' | 'started_at' | 'finished_at'> {
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  traceparent: string | null;
}

const toJob = ({ traceparent: _traceparent, ...row }: JobRow): VerificationJob => ({
  ...row,
  created_at: row.created_at.toISOString(),
  started_at: isoOrNull(row.started_at),
  finished_at: isoOrNull(row.finished_at),
});

/** Verification jobs: queued by the API, claimed by the runner, finished with a hashed report in the audit log. */
export class JobStore {
  private readonly queue: TableQueue<JobRow>;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditLog,
  ) {
    this.queue = new TableQueue(db, 'verification_jobs', ['running']);
  }

  async create(kind: JobKind, request: Record<string, unknown>, createdBy: string | null): Promise<VerificationJob> {
    const rows = await this.db.query<JobRow>(
      `INSERT INTO verification_jobs (id, kind, status, request, created_by, traceparent)
       VALUES ($1, $2, 'queued', $3, $4, $5) RETURNING *`,
      [randomUUID(), kind, JSON.stringify(request), createdBy, currentTraceparent()],
    );
    return toJob(rows[0]!);
  }

  async get(id: string): Promise<VerificationJob> {
    const row = (await this.db.query<JobRow>('SELECT * FROM verification_jobs WHERE id = $1', [id]))[0];
    if (row === undefined) throw new NotFoundError('No verification job with this id', 'JOB_NOT_FOUND');
    return toJob(row);
  }

  list(filter: {
    status?: JobStatus;
    kind?: JobKind;
    after?: CreatedAtId;
    limit: number;
  }): Promise<Page<VerificationJob>> {
    return keysetPage(
      filter.limit,
      async (rows) =>
        (
          await this.db.query<JobRow>(
            `SELECT * FROM verification_jobs
              WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR kind = $2)
                AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
              ORDER BY created_at DESC, id DESC LIMIT $5`,
            [
              filter.status ?? null,
              filter.kind ?? null,
              filter.after?.createdAt ?? null,
              filter.after?.id ?? null,
              rows,
            ],
          )
        ).map(toJob),
      (last) => createdAtIdCursor.encode(last.created_at, last.id),
    );
  }

  /**
   * The latest check of a bundle against a constitution version (the conformance watch's jobs), so instances and
   * restarts reuse one instead of verifying the same pair again.
   */
  async latestConformanceCheck(bundleHash: string, constitutionHash: string): Promise<VerificationJob | null> {
    const rows = await this.db.query<JobRow>(
      `SELECT * FROM verification_jobs
        WHERE kind = 'bundle' AND request->>'bundle_hash' = $1 AND request->>'constitution_hash' = $2
        ORDER BY created_at DESC, id DESC LIMIT 1`,
      [bundleHash, constitutionHash],
    );
    return rows[0] === undefined ? null : toJob(rows[0]);
  }

  /** Takes the oldest queued job for this runner; instances sharing a database never take the same one. */
  async claimNext(): Promise<ClaimedJob | null> {
    const row = await this.queue.claimNext();
    return row === null ? null : { ...toJob(row), traceparent: row.traceparent };
  }

  async progress(id: string, progress: { stage: string; solver_calls: number }): Promise<void> {
    await this.db.query(`UPDATE verification_jobs SET progress = $2 WHERE id = $1 AND status = 'running'`, [
      id,
      JSON.stringify(progress),
    ]);
  }

  /** A job this runner was running when the database went away: queued again, to be run from the start. */
  requeue(id: string): Promise<void> {
    return this.queue.requeue(id);
  }

  /** Jobs left running by a process that stopped: queued again, to be run from the start. */
  requeueAbandoned(): Promise<number> {
    return this.queue.requeueAbandoned();
  }

  /** Stores the report and its hash and appends `verification.completed` to the audit log, in one transaction. */
  async finish(
    job: VerificationJob,
    verdict: Verdict,
    report: Record<string, unknown>,
    bundleHash: string | null,
    progress: { stage: string; solver_calls: number } | null = null,
  ): Promise<VerificationJob> {
    const reportHash = canonicalSha256(report);
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<JobRow>(
        `UPDATE verification_jobs SET status = 'done', verdict = $2, report = $3, report_hash = $4, bundle_hash = $5,
                progress = coalesce($6, progress), finished_at = now() WHERE id = $1 RETURNING *`,
        [
          job.id,
          verdict,
          JSON.stringify(report),
          reportHash,
          bundleHash,
          progress === null ? null : JSON.stringify(progress),
        ],
      );
      await this.audit.record(
        {
          userId: job.created_by,
          action: 'verification.completed',
          resource: `verification:${job.id}`,
          details: { kind: job.kind, verdict, report_hash: reportHash, bundle_hash: bundleHash },
        },
        tx,
      );
      return toJob(rows[0]!);
    });
  }

  async fail(job: VerificationJob, errorCode: string, message: string): Promise<VerificationJob> {
    const rows = await this.db.query<JobRow>(
      `UPDATE verification_jobs SET status = 'failed', error_code = $2, error = $3, finished_at = now() WHERE id = $1 RETURNING *`,
      [job.id, errorCode, message],
    );
    return toJob(rows[0]!);
  }
}
