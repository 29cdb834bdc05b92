import type { Finding } from '../../domain/detectors/finding.js';
import type { Obligation, Reason } from '../../domain/enforcement/decide.js';
import type { EntityRef } from '../../domain/enforcement/engine.js';
import type { AuditLog } from '../../platform/audit/log.js';
import type { Database } from '../../platform/db/database.js';
import { valuesList } from '../../platform/db/values.js';
import { isCallerError, ServiceUnavailableError } from '../../domain/errors.js';

export interface DecisionRecord {
  id: string;
  createdAt: Date;
  callerId: string | null;
  principal: unknown;
  action: string;
  resource: unknown;
  context: unknown;
  contentDigest: string | null;
  content: string | null;
  decision: 'allow' | 'deny';
  reasons: unknown;
  findings: unknown;
  obligations: unknown;
  bundleHash: string | null;
  constitutionHash: string | null;
  latencyUs: number;
  requestId: string;
  requestDigest: string;
}

/** A decisions row as read back: what was decided, on what, by which bundle, and why. */
export interface StoredDecision {
  id: string;
  created_at: string;
  caller_id: string | null;
  principal: EntityRef;
  action: string;
  resource: EntityRef;
  context: Record<string, unknown>;
  content_digest: string | null;
  content: string | null;
  decision: 'allow' | 'deny';
  reasons: Reason[];
  findings: Finding[];
  obligations: Obligation[];
  bundle_hash: string | null;
  constitution_hash: string | null;
  latency_us: number;
  request_id: string | null;
}

interface Waiter {
  record: DecisionRecord;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Durable decision logging by group commit: decisions wait at most maxWaitMs (or until maxBatch are queued), then
 * one transaction writes them all to `decisions` and `audit_logs`, and every waiter is answered together. Appends to
 * the audit log are serialised (one lock, commit order = leaf order), so at most maxInFlight batches are written at
 * once: while they commit, the next batch keeps filling and goes the moment one finishes — under load each commit
 * carries more decisions instead of more commits queueing on the lock. A caller hears back only after its row is
 * committed; if the write fails, every waiter gets 503 AUDIT_UNAVAILABLE — but for a batch the database refuses for
 * what one row holds, which is split until that row fails alone.
 */
export class DecisionLog {
  private pending: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly audit: AuditLog,
    private readonly maxBatch = 256,
    private readonly maxWaitMs = 2,
    private readonly maxInFlight = 2,
  ) {}

  /** A logged decision with its full trace, as stored; null when none has this id. */
  async find(id: string): Promise<StoredDecision | null> {
    const row = (
      await this.db.query<Omit<StoredDecision, 'created_at'> & { created_at: Date }>(
        `SELECT id, created_at, caller_id, principal, action, resource, context, content_digest, content, decision,
                reasons, findings, obligations, bundle_hash, constitution_hash, latency_us, request_id
           FROM decisions WHERE id = $1`,
        [id],
      )
    )[0];
    return row === undefined ? null : { ...row, created_at: row.created_at.toISOString() };
  }

  append(record: DecisionRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.maxWaitMs);
    });
  }

  /** Writes whatever is queued and waits for every write in progress (shutdown). */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight.size > 0) {
      this.flush(true);
      await Promise.all([...this.inFlight]);
    }
  }

  private flush(force = false): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    // A full batch goes regardless; otherwise it waits for a write in flight to finish, growing meanwhile.
    if (!force && this.inFlight.size >= this.maxInFlight && this.pending.length < this.maxBatch) return;
    const batch = this.pending;
    this.pending = [];
    const write = this.commit(batch);
    this.inFlight.add(write);
    void write.finally(() => {
      this.inFlight.delete(write);
      if (this.pending.length > 0) this.flush();
    });
  }

  /**
   * Writes a batch and answers its waiters. A batch refused for its content (not for a lost database) is split and
   * retried, so one row the database will not take fails alone and never its neighbours.
   */
  private async commit(batch: Waiter[]): Promise<void> {
    try {
      await this.write(batch.map((waiter) => waiter.record));
      for (const waiter of batch) waiter.resolve();
    } catch (error) {
      if (batch.length > 1 && !(error instanceof ServiceUnavailableError)) {
        const half = Math.ceil(batch.length / 2);
        await Promise.all([this.commit(batch.slice(0, half)), this.commit(batch.slice(half))]);
        return;
      }
      // A row refused for what it holds tells its caller why; anything else is the log being unavailable.
      const refusal = isCallerError(error)
        ? error
        : new ServiceUnavailableError(
            'The decision log cannot be written, so no decision is returned',
            'AUDIT_UNAVAILABLE',
            5,
          );
      for (const waiter of batch) waiter.reject(refusal);
    }
  }

  private async write(records: DecisionRecord[]): Promise<void> {
    const values = valuesList(
      records.map((record) => [
        record.id,
        record.createdAt,
        record.callerId,
        JSON.stringify(record.principal),
        record.action,
        JSON.stringify(record.resource),
        JSON.stringify(record.context),
        record.contentDigest,
        record.content,
        record.decision,
        JSON.stringify(record.reasons),
        JSON.stringify(record.findings),
        JSON.stringify(record.obligations),
        record.bundleHash,
        record.constitutionHash,
        record.latencyUs,
        record.requestId,
      ]),
    );
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO decisions (id, created_at, caller_id, principal, action, resource, context, content_digest, content, decision, reasons,
                                findings, obligations, bundle_hash, constitution_hash, latency_us, request_id) VALUES ${values.sql}`,
        values.params,
      );
      await this.audit.recordMany(
        records.map((record) => ({
          userId: record.callerId,
          action: 'decision.evaluated',
          resource: `decision:${record.id}`,
          details: {
            decision: record.decision,
            action: record.action,
            request_digest: record.requestDigest,
            bundle_hash: record.bundleHash,
            constitution_hash: record.constitutionHash,
            at: record.createdAt.toISOString(),
          },
          requestId: record.requestId,
        })),
        tx,
      );
    });
  }
}
