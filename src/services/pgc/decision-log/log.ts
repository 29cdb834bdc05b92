import type { Queryable } from '../../../platform/db/database.js';
import type { DecisionRecord, DecisionWriter } from './writer.js';
import type { Finding } from '../../../domain/detectors/finding.js';
import type { Obligation, Reason } from '../../../domain/enforcement/decide.js';
import type { EntityRef } from '../../../domain/enforcement/engine.js';
import { isCallerError, ServiceUnavailableError } from '../../../domain/errors.js';

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
  approval_id: string | null;
  /** The OpenTelemetry trace it was decided in, when tracing was on. */
  trace_id: string | null;
}

interface Waiter {
  record: DecisionRecord;
  /** Hears the record's leaf index in the audit log once it is committed. */
  resolve: (leafIndex: number) => void;
  reject: (error: Error) => void;
}

/**
 * Durable decision logging by group commit. When no write is in progress a decision is written at once (with any
 * others that arrived in the same turn of the event loop): an idle log adds one transaction, not a wait. While a
 * write is in progress, decisions wait at most maxWaitMs (or until maxBatch are queued, or the write finishes), then
 * one transaction writes them all to `decisions` and `audit_logs`, and every waiter is answered together. Appends to
 * the audit log are serialised (one lock, commit order = leaf order), so at most maxInFlight batches are written at
 * once: while they commit, the next batch keeps filling and goes the moment one finishes — under load each commit
 * carries more decisions instead of more commits queueing on the lock. A caller hears back only after its row is
 * committed; if the write fails, every waiter gets 503 AUDIT_UNAVAILABLE — but for a batch the database refuses for
 * what one row holds, which is split until that row fails alone.
 */
export interface DecisionLogOptions {
  /** Decisions per transaction at most (256). */
  maxBatch?: number;
  /** How long a decision waits for others to share its transaction while another is being written (2 ms). */
  maxWaitMs?: number;
  /** Transactions written at once (2). */
  maxInFlight?: number;
  /** Hears each transaction written: its rows and how long it took from BEGIN to COMMIT. */
  onWrite?: (rows: number, seconds: number) => void;
}

export class DecisionLog {
  private pending: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private readonly maxInFlight: number;
  private readonly onWrite: (rows: number, seconds: number) => void;

  constructor(
    private readonly db: Queryable,
    private readonly writer: DecisionWriter,
    options: DecisionLogOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 256;
    this.maxWaitMs = options.maxWaitMs ?? 2;
    this.maxInFlight = options.maxInFlight ?? 2;
    this.onWrite = options.onWrite ?? (() => undefined);
  }

  /** Logs one decision; answers its leaf index in the audit log once it is committed. */
  append(record: DecisionRecord): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      // Idle: go at the end of this turn, so decisions made together still share a transaction.
      else if (this.inFlight.size === 0) this.immediate ??= setImmediate(() => this.flush());
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
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
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
      const started = performance.now();
      const leaves = await this.writer.write(batch.map((waiter) => waiter.record));
      this.onWrite(batch.length, (performance.now() - started) / 1000);
      batch.forEach((waiter, index) => waiter.resolve(leaves[index]!));
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
}
